"""The demo community's boards, threads and extra members, loaded by ``seed_demo``.

Data only. Times are relative: a thread starts ``days_ago`` days before the command runs and
each reply comes ``hours_after`` hours after the opening post. ``reply_to`` is the position of
the post a reply answers (1 is the opening post).
"""

from typing import Any

from accounts.models import Role, Treatment, TrustLevel, Visibility
from community.demo.boards.daily_life import (
    CAREGIVERS,
    MENTAL_HEALTH,
    PAIN_AND_DAILY_LIVING,
    WORK_AND_RELATIONSHIPS,
)
from community.demo.boards.treatment import (
    BOTULINUM_TOXIN,
    DBS_AND_SURGERY,
    PHYSICAL_THERAPY_AND_EXERCISE,
)
from community.demo.boards.welcome import (
    INTRODUCTIONS,
    NEWLY_DIAGNOSED,
    RESEARCH_AND_CLINICAL_TRIALS,
)
from community.demo.forum_specs import BoardSpec, ReplySpec, ThreadSpec

__all__ = ["DEMO_BOARDS", "DEMO_MEMBERS", "BoardSpec", "ReplySpec", "ThreadSpec"]

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


# In the order the board list shows them.
DEMO_BOARDS: list[BoardSpec] = [
    NEWLY_DIAGNOSED,
    BOTULINUM_TOXIN,
    DBS_AND_SURGERY,
    PHYSICAL_THERAPY_AND_EXERCISE,
    PAIN_AND_DAILY_LIVING,
    WORK_AND_RELATIONSHIPS,
    MENTAL_HEALTH,
    CAREGIVERS,
    RESEARCH_AND_CLINICAL_TRIALS,
    INTRODUCTIONS,
]
