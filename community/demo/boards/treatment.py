"""Boards about treatments: botulinum toxin, surgery and DBS, physical therapy.
Data only; ``community.demo.forum`` puts them in order."""

from community.demo.forum_specs import BoardSpec
from community.forum.models import BoardVisibility, PostingPolicy

BOTULINUM_TOXIN: BoardSpec = {
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
}

DBS_AND_SURGERY: BoardSpec = {
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
}

PHYSICAL_THERAPY_AND_EXERCISE: BoardSpec = {
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
}
