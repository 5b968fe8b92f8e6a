"""The demo community's boards, threads and extra members, loaded by ``seed_demo``.

Data only. Times are relative: a thread starts ``days_ago`` days before the command runs and
each reply comes ``hours_after`` hours after the opening post. ``reply_to`` is the position of
the post a reply answers (1 is the opening post).
"""

from typing import Any, NotRequired, TypedDict

from accounts.models import Role, Treatment, TrustLevel, Visibility
from community.forum.models import BoardVisibility, PostingPolicy


class ReplySpec(TypedDict):
    author: str
    hours_after: float
    body: str
    anonymous: NotRequired[bool]
    reply_to: NotRequired[int]


class ThreadSpec(TypedDict):
    title: str
    author: str
    days_ago: int
    body: str
    anonymous: NotRequired[bool]
    pinned: NotRequired[bool]
    replies: list[ReplySpec]


class BoardSpec(TypedDict):
    slug: str
    name: str
    description: str
    visibility: str
    posting_policy: str
    allows_anonymous: bool
    threads: list[ThreadSpec]


DEMO_MEMBERS: list[dict[str, Any]] = [
    {
        "username": "chin_on_hand",
        "email": "robin@example.com",
        "display_name": "Robin",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.ESTABLISHED,
        "joined_days_ago": 260,
        "profile": {
            "bio": "Head turns to the right since 2016. My sensory trick is two fingers on my "
            "chin.",
            "diagnosis_year": 2016,
            "treatments": [Treatment.BOTULINUM_TOXIN, Treatment.PHYSICAL_THERAPY],
            "country": "GB",
        },
    },
    {
        "username": "steady_morgan",
        "email": "morgan@example.com",
        "display_name": "Morgan",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.ESTABLISHED,
        "joined_days_ago": 190,
        "profile": {
            "bio": "Years of injections, then deep brain stimulation in 2022. Ask me about the "
            "assessment; I'll tell you how it went for me.",
            "bio_visibility": Visibility.PUBLIC,
            "diagnosis_year": 2009,
            "treatments": [Treatment.BOTULINUM_TOXIN, Treatment.DEEP_BRAIN_STIMULATION],
            "country": "GB",
        },
    },
    {
        "username": "pat_cares",
        "email": "pat@example.com",
        "display_name": "Pat",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.ESTABLISHED,
        "joined_days_ago": 35,
        "profile": {
            "bio": "My wife has cervical dystonia. I'm here to learn how to help without hovering.",
            "country": "GB",
        },
    },
    {
        "username": "alex_stretches",
        "email": "alex@example.com",
        "display_name": "Alex",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.ESTABLISHED,
        "joined_days_ago": 130,
        "profile": {
            "bio": "Head pulls backwards since 2021. Physio exercises every morning, slowly.",
            "diagnosis_year": 2021,
            "treatments": [
                Treatment.BOTULINUM_TOXIN,
                Treatment.PHYSICAL_THERAPY,
                Treatment.YOGA,
            ],
            "country": "NZ",
        },
    },
    {
        "username": "night_owl_dee",
        "email": "dee@example.com",
        "display_name": "Dee",
        "role": Role.MEMBER,
        "trust_level": TrustLevel.ESTABLISHED,
        "joined_days_ago": 210,
        "profile": {
            "bio": "Shift worker, diagnosed 2015. Injections every three months and a lot of "
            "heat packs.",
            "diagnosis_year": 2015,
            "treatments": [Treatment.BOTULINUM_TOXIN, Treatment.ACUPUNCTURE],
            "country": "IE",
        },
    },
]


DEMO_BOARDS: list[BoardSpec] = [
    {
        "slug": "newly-diagnosed",
        "name": "Newly diagnosed",
        "description": "Just been told it's cervical dystonia? Ask anything here, however "
        "small, and hear from people who have been where you are.",
        "visibility": BoardVisibility.PUBLIC,
        "posting_policy": PostingPolicy.PREMODERATE_NEW,
        "allows_anonymous": False,
        "threads": [
            {
                "title": "Welcome: start here if you've just been told it's cervical dystonia",
                "author": "sam_moderates",
                "days_ago": 27,
                "pinned": True,
                "body": """\
Hello, and welcome. If you've landed here after an appointment that left you with a new word \
and a lot of questions, you're in the right place.

A few things many of us wish we'd been told on day one:

- **Cervical dystonia is a focal dystonia**: the muscles of the neck pull on their own, so \
the head turns, tilts, or is pulled forwards or back. It is the most common focal dystonia, \
so you are far from alone.
- **It looks different in everyone.** Some of us have a steady pull, some have jerks or \
tremor, some have a lot of pain and some very little. Comparing is natural, but your \
pattern is your own.
- **Diagnosis is mostly clinical.** A neurologist watches how your neck moves and rules \
out other causes; some people also have an EMG to look at muscle activity.
- **There are treatments.** Botulinum toxin injections are the mainstay, with physiotherapy \
and other approaches alongside, and surgery for some people when other treatments haven't \
helped enough.

Everything here is members sharing experience, not medical advice: please take questions \
about your own treatment to your neurologist or clinic.

The Dystonia Society has clear introductory guides: https://dystonia.org.uk/

Say hello in **Introductions** when you're ready, and ask anything in this board. There are \
no silly questions.
""",
                "replies": [
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 5,
                        "body": """\
The thing I wish I'd known: the first year is the hardest, mostly because you're learning \
what your body is doing and nobody around you has heard of it. It does get more familiar.

Also, write your questions down before appointments. I always forgot half of mine the \
moment I sat down.
""",
                    },
                    {
                        "author": "chin_on_hand",
                        "hours_after": 30,
                        "body": """\
Seconding the notebook. I also keep a note on my phone of good and bad days. It helped me \
explain to my clinic what a "bad week" actually looks like, instead of just saying \
"it's been rubbish".
""",
                    },
                ],
            },
            {
                "title": "How long did it take you to get a diagnosis?",
                "author": "night_owl_dee",
                "days_ago": 15,
                "body": """\
Curious how everyone's road to a diagnosis went. Mine took nearly two years: first it was \
"a bad neck from sleeping funny", then a physio who thought it was posture, and then a \
neurologist who took one look at my head turning and said "I think I know what this is".

How long was yours, and what finally got you to the right person?
""",
                "replies": [
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 3,
                        "body": """\
About eighteen months. What made the difference was a GP who said she didn't know what it \
was, but didn't think it was "just stress", and referred me on. I'll always be grateful \
for that honesty.
""",
                    },
                    {
                        "author": "chin_on_hand",
                        "hours_after": 7,
                        "body": """\
Under a year for me, which I know is lucky. A friend noticed my head turning while we \
were talking and it was the first time I realised other people could see it.
""",
                    },
                    {
                        "author": "alex_stretches",
                        "hours_after": 26,
                        "body": """\
Three years, two physios and a chiropractor. The neurologist had me sit and watched my \
head for a while, then asked me to touch the back of my head, and the pulling eased. \
That was the moment it clicked for both of us.
""",
                    },
                    {
                        "author": "night_owl_dee",
                        "hours_after": 28,
                        "reply_to": 4,
                        "body": """\
@alex_stretches that moment of someone finally *seeing* it is such a relief, isn't it. \
Thanks all, it helps to know the long road is common.
""",
                    },
                ],
            },
            {
                "title": "Just diagnosed and a bit scared: what should I ask my neurologist?",
                "author": "newly_diagnosed_lee",
                "days_ago": 1,
                "body": """\
I was diagnosed last week and have a follow-up appointment in a month. They mentioned \
injections but I was too stunned to ask anything.

What questions do you wish you had asked at the start? I'd like to go in with a list \
this time.
""",
                "replies": [],
            },
        ],
    },
    {
        "slug": "botulinum-toxin",
        "name": "Botulinum toxin",
        "description": "Injection cycles, appointments and the weeks when it wears off: share "
        "what your treatment is like and how you manage between doses.",
        "visibility": BoardVisibility.PUBLIC,
        "posting_policy": PostingPolicy.PREMODERATE_NEW,
        "allows_anonymous": False,
        "threads": [
            {
                "title": "Injections wearing off before the next appointment",
                "author": "jo_tilts_left",
                "days_ago": 21,
                "body": """\
I'm on a twelve-week cycle. Weeks three to eight are genuinely good now, but from about \
week nine the tilt creeps back and by week eleven I'm counting the days.

How do you all get through the tail end of a cycle? And has anyone talked to their clinic \
about it, and how did that conversation go?
""",
                "replies": [
                    {
                        "author": "chin_on_hand",
                        "hours_after": 2,
                        "body": """\
Same pattern here. The last couple of weeks I plan less: fewer long drives, more heat \
packs, and I let people know I'll be a bit slower. It's not a fix but it stops me feeling \
caught out.
""",
                    },
                    {
                        "author": "night_owl_dee",
                        "hours_after": 6,
                        "body": """\
I raised it at my last appointment and they asked me to keep track of when it wears off \
across a couple of cycles, so they could look at timing and where the injections go. \
Having it written down made it a real conversation rather than a vague complaint.
""",
                    },
                    {
                        "author": "sam_moderates",
                        "hours_after": 20,
                        "body": """\
This comes up a lot, so a gentle reminder: how often you're injected and what's used is \
a decision for your clinic, and it varies a lot between people. What *does* help \
everyone is good information. There's a simple diary template in the \
"symptom diary" thread in this board if you'd like one.
""",
                    },
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 31,
                        "body": """\
Thank you all. I'll start the diary this cycle and take it with me. Oddly comforting to \
know week eleven is a shared experience.
""",
                    },
                ],
            },
            {
                "title": "What do you wish you'd known before your first injection appointment?",
                "author": "night_owl_dee",
                "days_ago": 11,
                "body": """\
A friend from my local group has her first injections next month and asked me what to \
expect. I realised my own first time is a blur. What would you tell someone going in?
""",
                "replies": [
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 4,
                        "body": """\
That it might not feel like much is happening at first, and that's normal for a lot of \
people. My first cycle took a while to settle and the clinic adjusted things at the \
second appointment. Don't judge it all on round one.
""",
                    },
                    {
                        "author": "chin_on_hand",
                        "hours_after": 9,
                        "body": """\
Wear something with a loose collar, bring a scarf, and don't plan anything big for the \
rest of the day. And ask them to explain which muscles they're injecting; I found that \
really helped me understand my own neck.
""",
                    },
                    {
                        "author": "harriet",
                        "hours_after": 27,
                        "body": """\
Lovely thread. For anyone who'd like something to read before the appointment, the \
Dystonia Medical Research Foundation has an overview of treatments, written for patients: \
https://dystonia-foundation.org/
""",
                    },
                ],
            },
            {
                "title": "A simple symptom diary for between injections",
                "author": "sam_moderates",
                "days_ago": 6,
                "body": """\
Several of you asked, so here's the plain diary I've used for years. Once a day, a line \
like this:

| Date | Week of cycle | Pull (0 to 10) | Pain (0 to 10) | Notes |
| --- | --- | --- | --- | --- |
| Mon | 9 | 4 | 3 | Long meeting, worse by evening |
| Tue | 9 | 3 | 2 | Walked at lunch, better |

Nothing clever. What makes it useful is doing it every day, good days included, so your \
clinic sees the whole cycle and not just how you feel on appointment day.
""",
                "replies": [
                    {
                        "author": "alex_stretches",
                        "hours_after": 3,
                        "body": """\
Stealing this. I'm adding a column for "did my exercises", because I suspect my good \
days and my physio days overlap more than I admit.
""",
                    },
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 8,
                        "body": """\
Started mine on Monday. Already useful: I hadn't noticed how much worse evenings are \
after screen-heavy days.
""",
                    },
                ],
            },
        ],
    },
    {
        "slug": "dbs-and-surgery",
        "name": "DBS and surgery",
        "description": "Deep brain stimulation and other surgery: the assessment, the decision "
        "and life afterwards, from members who have been through it or are considering it.",
        "visibility": BoardVisibility.PUBLIC,
        "posting_policy": PostingPolicy.PREMODERATE_NEW,
        "allows_anonymous": False,
        "threads": [
            {
                "title": "My DBS assessment, step by step",
                "author": "steady_morgan",
                "days_ago": 24,
                "body": """\
A few people have messaged me about deep brain stimulation, so here's how the assessment \
went **for me**. Everyone's route is different, and this is my experience, not advice.

1. **Referral.** After many years of injections that helped less and less, my neurologist \
raised surgery as an option to explore. It's usually considered when other treatments \
haven't done enough.
2. **Appointments with the team.** A neurologist, a neurosurgeon, and specialist nurses. \
They filmed my movements and asked a lot about daily life.
3. **Scans and other checks**, plus a conversation about my mood and expectations, which I \
found more useful than I expected.
4. **Talking through risks and benefits.** Nobody rushed me. I went home and thought about \
it for a couple of months before saying yes.

The biggest thing I learned: it's a decision you make *with* the team, over time. Ask \
everything.
""",
                "replies": [
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 6,
                        "body": """\
Thank you for writing this down, Morgan. It's much less frightening to read it as a \
series of conversations rather than one big scary decision.
""",
                    },
                    {
                        "author": "night_owl_dee",
                        "hours_after": 11,
                        "body": """\
Can I ask how long it was before you felt like yourself again afterwards? I'm nowhere \
near that stage, just trying to picture it.
""",
                    },
                    {
                        "author": "steady_morgan",
                        "hours_after": 22,
                        "reply_to": 3,
                        "body": """\
@night_owl_dee for me it was gradual rather than a switch. There were a number of \
follow-up visits to adjust the settings, and I went back to work part-time first. My \
team was very clear that changes can take months, which helped me be patient with it.
""",
                    },
                ],
            },
            {
                "title": "Has anyone been told they're not a candidate for surgery?",
                "author": "chin_on_hand",
                "days_ago": 9,
                "body": """\
I asked about DBS at my last appointment and was told it isn't right for me at the \
moment. I understand why in my head, but I came away feeling a door had closed. Has \
anyone else been here?
""",
                "replies": [
                    {
                        "author": "steady_morgan",
                        "hours_after": 5,
                        "body": """\
I was told "not yet" once, years before I had it. At the time it felt like a no; looking \
back it was the team being careful. It might be worth asking them what would change \
their answer, so you know what the door actually looks like.
""",
                    },
                    {
                        "author": "sam_moderates",
                        "hours_after": 14,
                        "body": """\
That disappointment is completely understandable. Robin, you might find it helps to ask \
for a follow-up conversation about what *else* is on the table: changes to injections, \
physio, or anything else they'd suggest. You deserve a plan, not just a no.
""",
                    },
                ],
            },
        ],
    },
    {
        "slug": "physical-therapy-and-exercise",
        "name": "Physical therapy and exercise",
        "description": "Physiotherapy, stretching, yoga, sensory tricks and staying active: "
        "what helps you move, and how you found the right support.",
        "visibility": BoardVisibility.PUBLIC,
        "posting_policy": PostingPolicy.PREMODERATE_NEW,
        "allows_anonymous": False,
        "threads": [
            {
                "title": "Sensory tricks: what's yours?",
                "author": "chin_on_hand",
                "days_ago": 19,
                "body": """\
The "geste antagoniste", or sensory trick: a light touch or position that eases the pull \
for a while. Mine is two fingers resting on my chin, which is where my username comes from.

It's odd how specific it is: pressing hard does nothing, a light touch works. What's yours?
""",
                "replies": [
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 1,
                        "body": """\
Hand resting on the back of my head, like I'm thinking very hard. I've spent years \
pretending to be deep in thought in meetings.
""",
                    },
                    {
                        "author": "alex_stretches",
                        "hours_after": 4,
                        "body": """\
Leaning my head back against a headrest. Car journeys as a passenger are my most \
comfortable time of day, which my family finds hilarious.
""",
                    },
                    {
                        "author": "night_owl_dee",
                        "hours_after": 9,
                        "body": """\
A scarf! Just the feel of it against my neck. I wear one nine months of the year now.
""",
                    },
                    {
                        "author": "pat_cares",
                        "hours_after": 30,
                        "body": """\
Reading this as a partner: my wife touches her cheek when she's tired and I never knew \
it was a "thing". That explains a lot. Thank you.
""",
                    },
                ],
            },
            {
                "title": "Finding a physio who knows dystonia",
                "author": "alex_stretches",
                "days_ago": 13,
                "body": """\
My first physio treated it like a stiff neck and gave me strong stretches that left me \
worse for days. My current one has worked with people with dystonia before and it's a \
completely different experience: gentle, slow, and focused on what my body can do.

If you're looking for one, ask directly whether they've treated dystonia before. How did \
you find yours?
""",
                "replies": [
                    {
                        "author": "sam_moderates",
                        "hours_after": 7,
                        "body": """\
Good advice. Your neurology team may be able to suggest someone, and The Dystonia \
Society has information on physiotherapy and other support: https://dystonia.org.uk/
""",
                    },
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 19,
                        "body": """\
Mine came through my clinic. The best thing she did was give me three exercises I can \
actually keep up, instead of a sheet of twenty I'd never do.
""",
                    },
                ],
            },
            {
                "title": "Gentle yoga: what works for me and what I skip",
                "author": "jo_tilts_left",
                "days_ago": 4,
                "body": """\
Yoga has become part of my routine on good days. Things I've learned, for me:

- Lying-down poses are my friend; anything where my neck has to hold my head up for long \
is not.
- I skip fast flows and anything with a headstand, obviously.
- The breathing at the end helps as much as the stretching.

I told my teacher about the dystonia on day one and she adapts things without fuss. Anyone \
else doing yoga, pilates or tai chi?
""",
                "replies": [
                    {
                        "author": "alex_stretches",
                        "hours_after": 2,
                        "body": """\
Tai chi here. Slow, and nobody cares if my head is pointing slightly at the ceiling.
""",
                    },
                    {
                        "author": "chin_on_hand",
                        "hours_after": 21,
                        "body": """\
Telling the teacher is the bit I always put off. Might finally try the beginners' class \
at my local centre. Thanks, Jo.
""",
                    },
                ],
            },
        ],
    },
    {
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
    },
    {
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
    },
    {
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
    },
    {
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
    },
    {
        "slug": "research-and-clinical-trials",
        "name": "Research and clinical trials",
        "description": "News about dystonia research and how to take part in clinical trials "
        "safely; share sources, not hype.",
        "visibility": BoardVisibility.PUBLIC,
        "posting_policy": PostingPolicy.PREMODERATE_NEW,
        "allows_anonymous": False,
        "threads": [
            {
                "title": "How to tell a genuine clinical trial from a sales pitch",
                "author": "sam_moderates",
                "days_ago": 25,
                "pinned": True,
                "body": """\
Research into cervical dystonia is ongoing, and trials are how treatments improve. \
Sadly, "trials" are also used to sell things. Some checks before you sign up:

- A genuine trial is **registered**, for example on https://clinicaltrials.gov/, and has \
ethics approval.
- You should **never be asked to pay** to take part.
- You get written information and time to decide, and you can leave at any point.
- Talk it over with your neurologist before joining.

For trusted news about research, the Dystonia Medical Research Foundation \
(https://dystonia-foundation.org/) and The Dystonia Society (https://dystonia.org.uk/) \
are good places to start.

Posts recruiting for unregistered "trials" or selling cures will be removed.
""",
                "replies": [
                    {
                        "author": "steady_morgan",
                        "hours_after": 8,
                        "body": """\
Useful list. I took part in a small study at my hospital years ago; everything was \
explained in writing and I was told more than once that I could stop any time. That's \
what it should feel like.
""",
                    },
                    {
                        "author": "chin_on_hand",
                        "hours_after": 33,
                        "body": """\
I've had two "miracle supplement trial" adverts this month. Good to have a checklist to \
hold them up against.
""",
                    },
                ],
            },
            {
                "title": "Genetics and cervical dystonia: what do we actually know?",
                "author": "jo_tilts_left",
                "days_ago": 14,
                "body": """\
My sister asked whether she should worry about getting it too. From what I've read, the \
cause isn't fully understood: it's thought to come from a mix of genetic and \
environmental factors, and researchers are looking for genetic markers. But that doesn't \
answer her question.

Has anyone talked to their neurologist about family risk?
""",
                "replies": [
                    {
                        "author": "harriet",
                        "hours_after": 6,
                        "body": """\
It's a question that comes up often, and the honest answer is that it's for a specialist \
to discuss with each family. Your neurologist is the right person to ask, and they can \
say whether a referral to a genetics service makes sense for you.

The research pages at https://dystonia-foundation.org/ are a good, sober read on where \
the science is.
""",
                    },
                    {
                        "author": "alex_stretches",
                        "hours_after": 30,
                        "body": """\
I asked mine. She said most people she sees have no family history, but that it was a \
reasonable question and worth raising. It helped my parents to hear it from her rather \
than from me.
""",
                    },
                ],
            },
        ],
    },
    {
        "slug": "introductions",
        "name": "Introductions",
        "description": "New here? Say hello, tell us as much or as little as you like, and meet "
        "others living with cervical dystonia.",
        "visibility": BoardVisibility.PUBLIC,
        "posting_policy": PostingPolicy.OPEN,
        "allows_anonymous": False,
        "threads": [
            {
                "title": "Say hello! And a little about how this place works",
                "author": "harriet",
                "days_ago": 28,
                "pinned": True,
                "body": """\
Welcome to the community. This is a place for people living with cervical dystonia, and \
for the people who support them, to share what daily life is really like.

A few house rules:

- **Be kind.** Everyone's dystonia, and everyone's day, is different.
- **Share experience, not prescriptions.** For decisions about your treatment, talk to \
your own clinic.
- **Keep your privacy.** Use a pseudonym, and share only what you're comfortable with.

Posts from brand-new members in most boards wait briefly for a moderator before they \
appear; that's normal and just keeps spam out. Introductions appear straight away.

Tell us a little about yourself below!
""",
                "replies": [
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 10,
                        "body": """\
Hi all, Jo from Ireland. Head tilts to the left (hence the name) since 2019. Injections \
every twelve weeks and yoga when I can. Glad this place exists.
""",
                    },
                    {
                        "author": "alex_stretches",
                        "hours_after": 36,
                        "body": """\
Alex here, from New Zealand, so I'll often be replying while you're all asleep. My head \
pulls backwards; physio has been my biggest help.
""",
                    },
                ],
            },
            {
                "title": "Hi all, Pat here: husband, driver and chief jar-opener",
                "author": "pat_cares",
                "days_ago": 26,
                "body": """\
Hello. I don't have cervical dystonia myself; my wife does. She's not one for forums, so \
I'm here to learn, and to pass on anything useful. Be gentle with me if I get the \
terminology wrong.
""",
                "replies": [
                    {
                        "author": "harriet",
                        "hours_after": 3,
                        "body": """\
Welcome, Pat. Carers are very much part of this community. There's a **Caregivers** \
board, visible to signed-in members, where you'll find others in the same position.
""",
                    },
                    {
                        "author": "night_owl_dee",
                        "hours_after": 20,
                        "body": """\
Welcome! Chief jar-opener is an honoured role in my house too.
""",
                    },
                ],
            },
            {
                "title": "Hello from Lee, newly diagnosed",
                "author": "newly_diagnosed_lee",
                "days_ago": 2,
                "body": """\
Hi everyone. I was diagnosed with cervical dystonia last week after about a year of my \
head turning to the right more and more. It's a relief to have a name for it and a bit \
overwhelming at the same time. Mostly reading for now, but thank you for having me.
""",
                "replies": [
                    {
                        "author": "jo_tilts_left",
                        "hours_after": 2,
                        "body": """\
Welcome, @newly_diagnosed_lee. Relief and overwhelm at the same time is exactly how I \
felt. Reading is a perfectly good way to start.
""",
                    },
                    {
                        "author": "sam_moderates",
                        "hours_after": 5,
                        "body": """\
Welcome, Lee. The pinned thread in **Newly diagnosed** covers a lot of the first \
questions, and you can ask anything there. Your first posts in most boards wait briefly \
for a moderator; that's normal.
""",
                    },
                    {
                        "author": "chin_on_hand",
                        "hours_after": 20,
                        "body": """\
Hello Lee, another right-turner here. It gets more familiar, I promise.
""",
                    },
                ],
            },
        ],
    },
]
