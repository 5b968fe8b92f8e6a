"""The demo library's data: real, public resources on the seed's topics, two suggestions a
member leaves waiting, and the demo posts that point to a resource. Loaded by
``community.demo.library``.

Only organisations' home pages and long-stable canonical pages are linked, so the link checker
has little to complain about on a fresh laptop.
"""

from typing import TypedDict

from community.resources.models import Audience, Category


class DemoResource(TypedDict):
    title: str
    url: str
    organisation: str
    category: Category
    audience: Audience
    tags: list[str]
    language: str
    summary: str


def _r(
    title: str,
    url: str,
    organisation: str,
    category: Category,
    audience: Audience,
    tags: list[str],
    summary: str,
) -> DemoResource:
    return DemoResource(
        title=title,
        url=url,
        organisation=organisation,
        category=category,
        audience=audience,
        tags=tags,
        language="en",
        summary=summary,
    )


RESOURCES: list[DemoResource] = [
    # Understanding dystonia
    _r(
        "Dystonia: an overview from NINDS",
        "https://www.ninds.nih.gov/health-information/disorders/dystonia",
        "National Institute of Neurological Disorders and Stroke (NINDS)",
        Category.UNDERSTANDING_DYSTONIA, Audience.EVERYONE, ["overview", "us"],
        "The US National Institute of Neurological Disorders and Stroke explains what dystonia "
        "is, its main forms (cervical dystonia among them), how it is diagnosed and which "
        "treatments are used. It also describes the research NINDS supports.",
    ),
    _r(
        "Dystonia on the NHS website",
        "https://www.nhs.uk/conditions/dystonia/",
        "NHS",
        Category.UNDERSTANDING_DYSTONIA, Audience.PATIENTS, ["overview", "uk"],
        "The NHS overview of dystonia: symptoms, types, causes and the treatments offered in "
        "the UK, from botulinum toxin injections and medicines to physiotherapy. A plain "
        "starting point for anyone newly diagnosed.",
    ),
    _r(
        "Dystonia on MedlinePlus",
        "https://medlineplus.gov/dystonia.html",
        "US National Library of Medicine",
        Category.UNDERSTANDING_DYSTONIA, Audience.EVERYONE, ["overview", "us"],
        "MedlinePlus gathers introductions to dystonia, treatment information and links to "
        "clinical trials from trusted sources in one place. Written for patients and families.",
    ),
    _r(
        "International Parkinson and Movement Disorder Society",
        "https://www.movementdisorders.org/",
        "International Parkinson and Movement Disorder Society",
        Category.UNDERSTANDING_DYSTONIA, Audience.CLINICIANS, ["clinicians", "international"],
        "The professional society for clinicians and researchers working on movement "
        "disorders, dystonia included. Its site offers education and training for "
        "professionals and news of research and congresses.",
    ),
    # Treatment
    _r(
        "Botulinum toxin (Botox) on MedlinePlus",
        "https://medlineplus.gov/botox.html",
        "US National Library of Medicine",
        Category.BOTULINUM_TOXIN, Audience.PATIENTS, ["botulinum-toxin", "us"],
        "What botulinum toxin is and what it is used for in medicine, with links to drug "
        "information and research. Useful background before a first injection appointment; "
        "questions about your own injections are for your clinic.",
    ),
    _r(
        "Patient information leaflets on the electronic medicines compendium",
        "https://www.medicines.org.uk/emc",
        "Datapharm (emc)",
        Category.BOTULINUM_TOXIN, Audience.PATIENTS, ["botulinum-toxin", "medicines", "uk"],
        "The emc publishes the current patient information leaflets for medicines licensed "
        "in the UK, including the botulinum toxin brands used for cervical dystonia. Search by "
        "brand name to read the leaflet that comes with your treatment.",
    ),
    _r(
        "Baclofen: an NHS medicines guide",
        "https://www.nhs.uk/medicines/baclofen/",
        "NHS",
        Category.ORAL_MEDICATION, Audience.PATIENTS, ["medicines", "uk"],
        "The NHS guide to baclofen, a muscle relaxant sometimes prescribed for dystonia: how "
        "it is taken, common side effects and why it should not be stopped suddenly. Check "
        "anything about your own prescription with your doctor or pharmacist.",
    ),
    _r(
        "Deep brain stimulation for tremor and dystonia: NICE guidance",
        "https://www.nice.org.uk/guidance/ipg188",
        "National Institute for Health and Care Excellence (NICE)",
        Category.DBS_AND_SURGERY, Audience.EVERYONE, ["deep-brain-stimulation", "guidance", "uk"],
        "NICE's interventional procedures guidance on deep brain stimulation for tremor and "
        "dystonia outside Parkinson's disease. It sets out the evidence on safety and efficacy "
        "that the NHS relies on, with information for patients and carers.",
    ),
    _r(
        "Chartered Society of Physiotherapy",
        "https://www.csp.org.uk/",
        "Chartered Society of Physiotherapy",
        Category.PHYSICAL_THERAPY, Audience.PATIENTS, ["physiotherapy", "uk"],
        "The UK professional body for physiotherapists. Its public pages explain what "
        "physiotherapy can offer and how to find a physiotherapist, on the NHS or privately.",
    ),
    _r(
        "ChoosePT: physical therapy explained",
        "https://www.choosept.com/",
        "American Physical Therapy Association",
        Category.PHYSICAL_THERAPY, Audience.PATIENTS, ["physiotherapy", "us"],
        "The American Physical Therapy Association's site for the public explains what "
        "physical therapists do and how to find one near you. Helpful when looking for a "
        "therapist with neurological experience.",
    ),
    _r(
        "National Center for Complementary and Integrative Health",
        "https://www.nccih.nih.gov/",
        "National Center for Complementary and Integrative Health (NCCIH)",
        Category.COMPLEMENTARY, Audience.EVERYONE, ["complementary-therapies", "research", "us"],
        "NCCIH summarises the research on approaches such as acupuncture, yoga, massage and "
        "mindfulness, including what is known about their safety. A sober place to check a "
        "therapy before spending money on it.",
    ),
    # Coping: pain, mental health, daily living, work
    _r(
        "The British Pain Society",
        "https://www.britishpainsociety.org/",
        "The British Pain Society",
        Category.PAIN, Audience.EVERYONE, ["chronic-pain", "uk"],
        "The British Pain Society brings together professionals working in pain management, "
        "and publishes information for people living with persistent pain. A starting point for "
        "understanding how pain services work in the UK.",
    ),
    _r(
        "U.S. Pain Foundation",
        "https://uspainfoundation.org/",
        "U.S. Pain Foundation",
        Category.PAIN, Audience.PATIENTS, ["chronic-pain", "support-groups", "us"],
        "A US charity for people living with chronic pain, offering education, support groups "
        "and advocacy. Its programmes help with managing pain day to day and meeting others "
        "who understand.",
    ),
    _r(
        "Mind",
        "https://www.mind.org.uk/",
        "Mind",
        Category.MENTAL_HEALTH, Audience.EVERYONE, ["mental-health", "uk"],
        "The mental health charity for England and Wales, with clear information on anxiety, "
        "low mood and living with a long-term condition, and an Infoline for support. Worth a "
        "look when dystonia is wearing down your mood.",
    ),
    _r(
        "Samaritans",
        "https://www.samaritans.org/",
        "Samaritans",
        Category.MENTAL_HEALTH, Audience.EVERYONE,
        ["crisis-support", "mental-health", "uk", "ireland"],
        "Free, confidential emotional support, day or night, in the UK and Ireland: call "
        "116 123. You do not have to be suicidal to get in touch.",
    ),
    _r(
        "988 Suicide & Crisis Lifeline",
        "https://988lifeline.org/",
        "988 Suicide & Crisis Lifeline",
        Category.MENTAL_HEALTH, Audience.EVERYONE, ["crisis-support", "mental-health", "us"],
        "In the US, call or text 988 for free, confidential support at any time. The site "
        "also offers chat and advice for people worried about someone else.",
    ),
    _r(
        "Personal Independence Payment (PIP)",
        "https://www.gov.uk/pip",
        "GOV.UK",
        Category.DAILY_LIVING, Audience.PATIENTS, ["benefits", "uk"],
        "GOV.UK's guide to Personal Independence Payment, which helps with the extra costs "
        "of a long-term health condition or disability. It explains who can get it, how to "
        "claim and how the assessment works.",
    ),
    _r(
        "Citizens Advice",
        "https://www.citizensadvice.org.uk/",
        "Citizens Advice",
        Category.DAILY_LIVING, Audience.EVERYONE, ["benefits", "disability-rights", "uk"],
        "Free, independent advice on benefits, work, money and housing. Its guides on "
        "disability benefits and rights at work help when dystonia has changed what you can "
        "do.",
    ),
    _r(
        "Disability Rights UK",
        "https://www.disabilityrightsuk.org/",
        "Disability Rights UK",
        Category.DAILY_LIVING, Audience.PATIENTS, ["benefits", "disability-rights", "uk"],
        "A charity led by disabled people, with factsheets on benefits, social care, "
        "independent living and rights. Useful when preparing a claim or an appeal.",
    ),
    _r(
        "Access to Work",
        "https://www.gov.uk/access-to-work",
        "GOV.UK",
        Category.WORK, Audience.PATIENTS, ["employment", "adjustments", "uk"],
        "A UK government grant towards practical support at work, such as special equipment, "
        "adapted furniture, a support worker or taxis when public transport is not an option. "
        "GOV.UK explains who is eligible and how to apply.",
    ),
    _r(
        "Job Accommodation Network (JAN)",
        "https://askjan.org/",
        "Job Accommodation Network",
        Category.WORK, Audience.PATIENTS, ["employment", "adjustments", "us"],
        "Free, confidential guidance from a service funded by the US Department of Labor on "
        "workplace accommodations and disability employment law. Its A to Z of conditions "
        "gives ideas to take to a conversation with an employer.",
    ),
    _r(
        "Acas: advice on rights at work",
        "https://www.acas.org.uk/",
        "Acas",
        Category.WORK, Audience.EVERYONE, ["employment", "adjustments", "uk"],
        "Free, impartial advice for employees and employers in Great Britain on workplace "
        "rights, including reasonable adjustments for disabled staff. Its helpline can help "
        "before a difficult conversation at work.",
    ),
    # Research and trials
    _r(
        "ClinicalTrials.gov",
        "https://clinicaltrials.gov/",
        "US National Library of Medicine",
        Category.RESEARCH_AND_TRIALS, Audience.EVERYONE, ["clinical-trials", "international"],
        'A registry of clinical studies around the world. Search for "cervical dystonia" to '
        "see which studies are recruiting, where and whom to contact; talk any study over with "
        "your neurologist before joining.",
    ),
    _r(
        "Be Part of Research",
        "https://bepartofresearch.nihr.ac.uk/",
        "National Institute for Health and Care Research (NIHR)",
        Category.RESEARCH_AND_TRIALS, Audience.PATIENTS, ["clinical-trials", "uk"],
        "The NIHR's service for finding health research in the UK. Search by condition and "
        "location, and read what taking part in a study involves.",
    ),
    _r(
        "EU Clinical Trials Information System",
        "https://euclinicaltrials.eu/",
        "European Medicines Agency",
        Category.RESEARCH_AND_TRIALS, Audience.EVERYONE, ["clinical-trials", "europe"],
        "The public register of clinical trials authorised in the European Union and the "
        "European Economic Area. Search by condition to find trials and, later, their results.",
    ),
    _r(
        "WHO International Clinical Trials Registry Platform",
        "https://www.who.int/clinical-trials-registry-platform",
        "World Health Organization",
        Category.RESEARCH_AND_TRIALS, Audience.EVERYONE, ["clinical-trials", "international"],
        "The World Health Organization's platform links national trial registries and offers "
        "one search across them. Useful for finding studies outside the US and Europe.",
    ),
    # Support organisations and dystonia charities
    _r(
        "Dystonia UK",
        "https://www.dystonia.org.uk/",
        "Dystonia UK",
        Category.SUPPORT_ORGANISATIONS, Audience.EVERYONE, ["charity", "support-groups", "uk"],
        "The UK charity for everyone affected by dystonia, formerly The Dystonia Society. It "
        "runs a helpline, local support groups and online events, and publishes information on "
        "treatments, work and daily life.",
    ),
    _r(
        "Dystonia Medical Research Foundation",
        "https://dystonia-foundation.org/",
        "Dystonia Medical Research Foundation",
        Category.SUPPORT_ORGANISATIONS, Audience.EVERYONE,
        ["charity", "research", "support-groups", "us"],
        "The foundation funds research towards better treatments and a cure, and supports "
        "people with dystonia through education and support groups across the US. Its guides "
        "cover each form of dystonia, cervical dystonia included.",
    ),
    _r(
        "National Spasmodic Torticollis Association",
        "https://www.torticollis.org/",
        "National Spasmodic Torticollis Association",
        Category.SUPPORT_ORGANISATIONS, Audience.PATIENTS, ["charity", "cervical-dystonia", "us"],
        "A US organisation devoted to cervical dystonia, also called spasmodic torticollis. "
        "It offers information, support group contacts and events for patients and families.",
    ),
    _r(
        "Dystonia Europe",
        "https://dystonia-europe.org/",
        "Dystonia Europe",
        Category.SUPPORT_ORGANISATIONS, Audience.EVERYONE, ["charity", "europe"],
        "The umbrella organisation for national dystonia groups across Europe. It raises "
        "awareness, speaks for patients at European level and shares news of research and "
        "events from its members.",
    ),
    _r(
        "Dystonia Ireland",
        "https://www.dystonia.ie/",
        "Dystonia Ireland",
        Category.SUPPORT_ORGANISATIONS, Audience.EVERYONE, ["charity", "support-groups", "ireland"],
        "The Irish patient organisation for people with dystonia and their families, with "
        "information, answers to common questions and support around Ireland.",
    ),
    _r(
        "Dystonia Medical Research Foundation Canada",
        "https://dystoniacanada.org/",
        "Dystonia Medical Research Foundation Canada",
        Category.SUPPORT_ORGANISATIONS, Audience.EVERYONE, ["charity", "support-groups", "canada"],
        "DMRF Canada funds dystonia research and supports Canadians with dystonia through "
        "education events and a national network of support groups.",
    ),
    _r(
        "National Organization for Rare Disorders (NORD)",
        "https://rarediseases.org/",
        "National Organization for Rare Disorders",
        Category.SUPPORT_ORGANISATIONS, Audience.EVERYONE, ["charity", "us"],
        "A US patient advocacy charity with reports on rare diseases, some forms of dystonia "
        "among them, and guidance on finding care and patient assistance programmes.",
    ),
    # Caregivers
    _r(
        "Carers UK",
        "https://www.carersuk.org/",
        "Carers UK",
        Category.SUPPORT_ORGANISATIONS, Audience.CAREGIVERS, ["carers", "benefits", "uk"],
        "The UK charity for unpaid carers, with advice on carers' rights, Carer's Allowance "
        "and looking after your own wellbeing, plus a helpline and an online forum.",
    ),
    _r(
        "Family Caregiver Alliance",
        "https://www.caregiver.org/",
        "Family Caregiver Alliance",
        Category.SUPPORT_ORGANISATIONS, Audience.CAREGIVERS, ["carers", "us"],
        "A US non-profit with fact sheets and services for people caring for a family member "
        "with a long-term condition, including guides on caring for yourself as a carer.",
    ),
    _r(
        "Caregiver Action Network",
        "https://www.caregiveraction.org/",
        "Caregiver Action Network",
        Category.SUPPORT_ORGANISATIONS, Audience.CAREGIVERS, ["carers", "us"],
        "A US organisation for family caregivers, offering free education, peer support and "
        "practical tips for people caring for someone with a chronic condition.",
    ),
]  # fmt: skip

# Waiting for a curator: what a member might suggest after a thread about pain or benefits.
SUGGESTIONS: list[DemoResource] = [
    _r(
        "Pain Concern",
        "https://painconcern.org.uk/",
        "Pain Concern",
        Category.PAIN, Audience.PATIENTS, ["chronic-pain", "uk"],
        "A UK charity offering information and support for people living with pain, with a "
        "helpline and the Airing Pain radio programme.",
    ),
    _r(
        "Scope",
        "https://www.scope.org.uk/",
        "Scope",
        Category.DAILY_LIVING, Audience.PATIENTS, ["disability-rights", "benefits", "uk"],
        "The disability equality charity in England and Wales, with practical advice on work, "
        "benefits and everyday life, and an online community.",
    ),
]  # fmt: skip

# Demo posts that already link a resource in their text: (thread title, resource URL).
POST_LINKS: list[tuple[str, str]] = [
    (
        "What do you wish you'd known before your first injection appointment?",
        "https://dystonia-foundation.org/",
    ),
    ("How to tell a genuine clinical trial from a sales pitch", "https://clinicaltrials.gov/"),
]
