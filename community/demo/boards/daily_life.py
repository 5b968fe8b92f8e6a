"""Boards about living with it: pain, work and relationships, mental health, caregivers.
Data only; ``community.demo.forum`` puts them in order."""

from community.demo.forum_specs import BoardSpec
from community.forum.models import BoardVisibility, PostingPolicy

PAIN_AND_DAILY_LIVING: BoardSpec = {
    "slug": "pain-and-daily-living",
    "name": "Pain and daily living",
    "description": "Pain, fatigue and the practical side of everyday life with cervical "
    "dystonia: the small adjustments that make the day easier.",
    "visibility": BoardVisibility.PUBLIC,
    "posting_policy": PostingPolicy.PREMODERATE_NEW,
    "allows_anonymous": False,
    "threads": [
        {
            "title": "Small things that make the day easier",
            "author": "night_owl_dee",
            "days_ago": 17,
            "body": """\
Let's build a list. Mine:

- A high-backed armchair so my head has somewhere to rest
- Microwaveable heat pack, always within reach
- A phone stand, so I'm not looking down for long
- Audiobooks instead of reading in bed
- Supermarket delivery in the last week of a cycle

What's on yours?
""",
            "replies": [
                {
                    "author": "jo_tilts_left",
                    "hours_after": 3,
                    "body": """\
A travel pillow on long journeys, and a rule that I sit on the side of the table where \
my head naturally turns towards the conversation.
""",
                },
                {
                    "author": "chin_on_hand",
                    "hours_after": 12,
                    "body": """\
Laptop on a stand with a separate keyboard. Game changer for working from home.
""",
                },
                {
                    "author": "pat_cares",
                    "hours_after": 40,
                    "body": """\
From the other side of the sofa: we moved the TV so my wife can watch it in her \
comfortable position rather than straight on. Small thing, big difference.
""",
                },
            ],
        },
        {
            "title": "Driving with cervical dystonia",
            "author": "chin_on_hand",
            "days_ago": 8,
            "body": """\
Checking over my left shoulder is the hard part for me. I've added wide-angle mirrors, \
plan routes with fewer awkward junctions, and avoid driving in the last week of a cycle \
when I can.

Worth saying: check what your licensing authority and your insurer need you to tell them \
about your condition where you live. How do others manage?
""",
            "replies": [
                {
                    "author": "steady_morgan",
                    "hours_after": 6,
                    "body": """\
I stopped driving for a while before my surgery and took it up again slowly afterwards. \
Planning routes made the biggest difference, and I still prefer familiar roads.
""",
                },
                {
                    "author": "jo_tilts_left",
                    "hours_after": 15,
                    "body": """\
Car parks are my nemesis. I now drive past the first free space to find one I can pull \
forward out of. Sounds silly, saves a lot of twisting.
""",
                },
            ],
        },
        {
            "title": "Pain at night: what helped with sleep",
            "author": "alex_stretches",
            "days_ago": 3,
            "body": """\
The pull eases when I sleep, but getting to sleep with an aching neck is another matter. \
I've tried four pillows this year. What's actually helped you?
""",
            "replies": [
                {
                    "author": "night_owl_dee",
                    "hours_after": 5,
                    "body": """\
A rolled towel inside the pillowcase, under my neck, and a heat pack for ten minutes \
before lights out. And not scrolling on my phone in bed, which I'm bad at.
""",
                },
                {
                    "author": "jo_tilts_left",
                    "hours_after": 18,
                    "body": """\
A cheap memory foam pillow beat the expensive one. Also worth mentioning the pain to your \
clinic if it's keeping you up; mine hadn't realised how much it was affecting my sleep.
""",
                },
            ],
        },
    ],
}

WORK_AND_RELATIONSHIPS: BoardSpec = {
    "slug": "work-and-relationships",
    "name": "Work and relationships",
    "description": "Jobs, workplace adjustments, friends, family and partners: talking "
    "about cervical dystonia with the people in your life.",
    "visibility": BoardVisibility.PUBLIC,
    "posting_policy": PostingPolicy.PREMODERATE_NEW,
    "allows_anonymous": False,
    "threads": [
        {
            "title": "Asking for adjustments at work",
            "author": "night_owl_dee",
            "days_ago": 20,
            "body": """\
I finally asked for adjustments after years of just putting up with it. What I asked for:

- My monitor moved so I face it in my comfortable position
- A headset instead of holding the phone
- Short breaks on long shifts
- Injection days treated as appointments, not holiday

My manager was more understanding than I'd feared. Anyone else been through this? What \
did you ask for?
""",
            "replies": [
                {
                    "author": "sam_moderates",
                    "hours_after": 4,
                    "body": """\
Great list, Dee. It can help to go in with something written down, like this, so the \
conversation is about practical changes rather than explaining a condition your manager \
has never heard of. Occupational health, if your workplace has it, can back you up.
""",
                },
                {
                    "author": "alex_stretches",
                    "hours_after": 10,
                    "body": """\
I asked for a standing desk I can lean against, and to have video on optional in long \
calls. Turning to the camera for an hour is exhausting.
""",
                },
                {
                    "author": "jo_tilts_left",
                    "hours_after": 23,
                    "body": """\
I'm still working up to this. Bookmarking the thread for courage.
""",
                },
            ],
        },
        {
            "title": "Telling friends (and a new partner) about my neck",
            "author": "jo_tilts_left",
            "days_ago": 10,
            "body": """\
I've started seeing someone and haven't explained the dystonia properly yet. They've \
noticed the tilt, obviously. How did you bring it up with friends or partners? I want to \
explain without it becoming The Big Conversation.
""",
            "replies": [
                {
                    "author": "chin_on_hand",
                    "hours_after": 3,
                    "body": """\
I've got a one-line version: "it's a neurological condition that makes my neck muscles \
pull my head to one side; it's not painful to talk about, ask me anything." Most people \
ask one question and move on.
""",
                },
                {
                    "author": "pat_cares",
                    "hours_after": 16,
                    "body": """\
Partner's view: I was glad when my wife told me plainly, because before that I was \
worried I'd say the wrong thing. Knowing meant I could stop guessing.
""",
                },
            ],
        },
    ],
}

MENTAL_HEALTH: BoardSpec = {
    "slug": "mental-health",
    "name": "Mental health",
    "description": "A gentle space for the emotional side of living with cervical "
    "dystonia; you can post here anonymously if you prefer.",
    "visibility": BoardVisibility.PUBLIC,
    "posting_policy": PostingPolicy.PREMODERATE_NEW,
    "allows_anonymous": True,
    "threads": [
        {
            "title": "I'm tired of people staring",
            "author": "alex_stretches",
            "anonymous": True,
            "days_ago": 12,
            "body": """\
Posting anonymously because this feels raw. I've started avoiding cafés and the school \
gate because I can feel people looking at my head. I know most of them probably aren't, \
or are just curious, but it's wearing me down and I'm going out less and less.

Does this ever get easier?
""",
            "replies": [
                {
                    "author": "sam_moderates",
                    "hours_after": 2,
                    "body": """\
Thank you for trusting us with this. What you're describing is something many members \
have felt, and going out less is a very understandable response.

If it's affecting your mood or your days, it's worth telling your GP or clinic; support \
for how you're feeling is part of looking after dystonia, not separate from it. And if \
you ever feel unsafe, please contact your local emergency services or a crisis line \
straight away.
""",
                },
                {
                    "author": "jo_tilts_left",
                    "hours_after": 6,
                    "body": """\
It got easier for me, slowly. I started with one café where the staff knew me and built \
from there. Some days I still go home early, and that's allowed.
""",
                },
                {
                    "author": "alex_stretches",
                    "anonymous": True,
                    "hours_after": 25,
                    "body": """\
Thank you both. The one familiar café idea is something I can actually try this week.
""",
                },
            ],
        },
        {
            "title": "Stress makes the pulling worse: how do you unwind?",
            "author": "jo_tilts_left",
            "days_ago": 5,
            "body": """\
I notice my neck pulls harder on stressful days, which is its own special kind of \
unfair: stressed about the neck, neck worse from the stress. What helps you switch off?
""",
            "replies": [
                {
                    "author": "chin_on_hand",
                    "hours_after": 3,
                    "body": """\
Lying flat with a heat pack and a podcast for twenty minutes. Taking the weight of my \
head away lets the rest of me calm down.
""",
                },
                {
                    "author": "night_owl_dee",
                    "hours_after": 8,
                    "body": """\
Swimming on my back, slowly. And an evening rule of no news after eight.
""",
                },
                {
                    "author": "alex_stretches",
                    "hours_after": 20,
                    "body": """\
Breathing exercises from my yoga class. They sounded pointless until I tried them on a \
bad day.
""",
                },
            ],
        },
    ],
}

CAREGIVERS: BoardSpec = {
    "slug": "caregivers",
    "name": "Caregivers",
    "description": "For partners, family and friends supporting someone with cervical "
    "dystonia; visible to signed-in members only.",
    "visibility": BoardVisibility.MEMBERS,
    "posting_policy": PostingPolicy.PREMODERATE_NEW,
    "allows_anonymous": False,
    "threads": [
        {
            "title": "Helping without hovering",
            "author": "pat_cares",
            "days_ago": 22,
            "body": """\
My wife was diagnosed two years ago. I want to help, but I've noticed that when I jump in \
to carry things or finish tasks, she gets frustrated, and fair enough.

Those of you living with CD: what do you actually want from the people around you? And \
other carers, how do you get the balance right?
""",
            "replies": [
                {
                    "author": "jo_tilts_left",
                    "hours_after": 5,
                    "body": """\
Ask, then believe the answer. On a good day I want to do everything myself; in the last \
week of a cycle I'd love someone to just do the big shop. The same offer can feel kind \
or smothering depending on the day.
""",
                },
                {
                    "author": "sam_moderates",
                    "hours_after": 12,
                    "body": """\
A couple we know agreed a simple signal for "I could use a hand" so neither of them has \
to have the conversation every time. And Pat, look after yourself too: this board is for \
you as much as anyone.
""",
                },
                {
                    "author": "pat_cares",
                    "hours_after": 29,
                    "body": """\
"Ask, then believe the answer" is going on the fridge. Thank you both.
""",
                },
            ],
        },
        {
            "title": "What my partner did that helped most after my surgery",
            "author": "steady_morgan",
            "days_ago": 7,
            "body": """\
Writing this for the carers here, from the other side. When I had DBS, the things that \
helped most weren't the big gestures:

- Coming to appointments and taking notes, so I could just listen
- Keeping a list of questions for the next visit
- Not asking "is it working yet?" every day

If you're supporting someone through any treatment, you're doing more good than you \
probably realise.
""",
            "replies": [
                {
                    "author": "pat_cares",
                    "hours_after": 4,
                    "body": """\
The note-taking one is so practical. I'll offer that at my wife's next injection \
appointment.
""",
                },
                {
                    "author": "night_owl_dee",
                    "hours_after": 9,
                    "body": """\
"Not asking is it working yet": yes! My mum means well but I could write a book on \
that question.
""",
                },
            ],
        },
    ],
}
