"""Boards for arriving and looking ahead: newly diagnosed, research and trials, introductions.
Data only; ``community.demo.forum`` puts them in order."""

from community.demo.forum_specs import BoardSpec
from community.forum.models import BoardVisibility, PostingPolicy

NEWLY_DIAGNOSED: BoardSpec = {
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
}

RESEARCH_AND_CLINICAL_TRIALS: BoardSpec = {
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
}

INTRODUCTIONS: BoardSpec = {
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
}
