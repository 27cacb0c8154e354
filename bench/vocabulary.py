"""The words and shapes the synthetic content is made of."""

from __future__ import annotations

KIND_CYCLE = ("drug", "biologic", "device", "procedure", "drug", "service", "biologic", "test")
"""Treatment kinds in turn; drugs and biologics come up twice, as they do in the real content."""

BENEFIT_CHOICES = {
    "drug": ("pharmacy", "pharmacy", "either"),
    "biologic": ("medical", "pharmacy", "either"),
    "device": ("medical", "either"),
    "procedure": ("medical",),
    "service": ("medical",),
    "test": ("medical",),
}
PAYER_KIND_CYCLE = ("insurer", "blue-plan", "insurer", "pbm", "blue-plan", "insurer", "government", "blue-plan")
PAYER_KIND_WORDS = {
    "insurer": "health insurer",
    "blue-plan": "Blue plan",
    "pbm": "pharmacy benefit manager",
    "government": "government program",
}
COMMERCIAL_PLAN_TYPES = (
    "employer-insured",
    "employer-self-funded",
    "grandfathered",
    "individual-marketplace",
    "government-employer",
    "fehb",
    "medicare-advantage",
    "medicare-part-d",
    "medicaid-managed-care",
)
PBM_PLAN_TYPES = (
    "employer-insured",
    "employer-self-funded",
    "grandfathered",
    "government-employer",
    "individual-marketplace",
    "medicare-part-d",
    "medicaid-managed-care",
)
GOVERNMENT_PLAN_TYPES = (
    ("original-medicare", "medicare-advantage", "medicare-part-d"),
    ("medicaid-fee-for-service", "medicaid-managed-care"),
    ("tricare",),
)

CONDITIONS = {
    "neurology": ("migraine", "multiple sclerosis", "epilepsy", "Parkinson's disease"),
    "rheumatology": ("rheumatoid arthritis", "psoriatic arthritis", "lupus", "ankylosing spondylitis"),
    "oncology": ("breast cancer", "lung cancer", "lymphoma", "melanoma"),
    "cardiology": ("heart failure", "atrial fibrillation", "high cholesterol", "coronary artery disease"),
    "endocrinology": ("type 1 diabetes", "type 2 diabetes", "obesity", "growth hormone deficiency"),
    "dermatology": ("plaque psoriasis", "atopic dermatitis", "hidradenitis suppurativa", "chronic hives"),
    "gastroenterology": ("Crohn's disease", "ulcerative colitis", "celiac disease", "chronic hepatitis C"),
    "pulmonology": ("severe asthma", "COPD", "cystic fibrosis", "sleep apnea"),
    "hematology": ("hemophilia A", "sickle cell disease", "iron deficiency anemia", "immune thrombocytopenia"),
    "behavioral-health": ("major depression", "autism spectrum disorder", "bipolar disorder", "anorexia nervosa"),
    "orthopedics": ("knee osteoarthritis", "chronic low back pain", "hip dysplasia", "rotator cuff tear"),
    "ophthalmology": ("wet macular degeneration", "diabetic macular edema", "glaucoma", "keratoconus"),
}
RECORD_NOUNS = (
    "lab report",
    "imaging report",
    "specialist's note",
    "genetic test report",
    "symptom diary",
    "biopsy report",
    "pharmacy fill history",
    "hospital discharge summary",
)
DOCUMENTS = (
    "Specialist visit notes",
    "Lab results from the last 3 months",
    "Imaging reports",
    "Past treatments, with dates and why each one stopped",
    "A letter of medical necessity",
    "Pharmacy fill history",
    "Hospital discharge summaries",
    "Symptom scores over time",
    "The denial letter and the policy it cites",
    "Test results named in the policy",
)
SYLLABLES = ("lor", "va", "ti", "zen", "mo", "ra", "cel", "du", "pex", "ni", "ta", "so", "bri", "qua", "fen", "ly")
GENERIC_SUFFIX = {"drug": ("tinib", "pril", "statin", "vir"), "biologic": ("mab", "cept", "kinra")}
TYPICAL_CITE = "Typical commercial and Medicare policy criteria (payer policies vary)"

WHY = (
    "{treatment} is used for $condition, so a denial often points to a plan rule rather than the treatment itself.",
    "{payer} may say the diagnosis of $condition is not proven in the records it received.",
    "A common problem is a missing $record, which the reviewer expects to see before approving {treatment}.",
    "{payer} may also ask whether a cheaper option was tried first, and why it did not work for you.",
    "Some denials say the request did not match the dose, the number of visits or the setting the policy allows.",
    "The denial letter should name the policy {payer} used; ask for a copy if it does not.",
    "Reviewers often work from a checklist, and a single unchecked box can be enough for a denial.",
    "If the request went in before all the results were ready, the reviewer may have decided on an incomplete file.",
    "Guidance from the $guideline supports {treatment} for many people with $condition, and policies often follow it.",
    "A denial can also come from a coding error, such as a diagnosis code that does not match the request.",
    "Plans change their policies during the year, so the rule used may be newer than the one your doctor checked.",
    "When {payer} reviews {treatment} again after $number months, it may ask for proof that it is working.",
)
ANSWERS = (
    (
        "Diagnosis",
        "Your doctor's note should state the diagnosis of $condition and point to the $record that shows it.",
    ),
    ("Prior treatments", "List each treatment you tried before {treatment}, with dates, doses and why it stopped."),
    ("Tests", "Include the $record and any other results the policy names, with their dates."),
    (
        "Dose and setting",
        "The request should match the dose, how often you get it and the place of care the policy allows.",
    ),
    ("Prescriber", "Show that a specialist who treats $condition ordered {treatment}, if the policy asks for one."),
    ("Guidelines", "Quote the recommendation from the $guideline that fits your situation, with its date."),
    (
        "Response",
        "For a renewal, show how your symptoms changed since you started {treatment}, with scores if you have them.",
    ),
    ("Risks of waiting", "Explain, in your doctor's words, what is likely to happen if treatment is delayed."),
    ("Safety", "Note any reason the usual first choice is unsafe for you, such as an allergy or another condition."),
)
RECORDS = (
    "Send visit notes from the last $number months, the $record and a short timeline of your care.",
    "Put the documents the policy names first, and label each one with the rule it answers.",
    "A letter of medical necessity from your doctor ties the records together and answers the denial point by point.",
    "Keep copies of everything you send to {payer}, and write down the date and the name of anyone you speak to.",
    "If a record is missing, ask the office that made it for a copy; it must give you one.",
    "Number the pages so the reviewer can find each item quickly.",
)
WATCH = (
    "Approvals that end before your next dose or visit; ask how long the approval lasts.",
    "A denial that names a different form or strength of {treatment} than the one you need.",
    "Deadlines that run from the date on the notice, not the date you received it.",
    "A second denial for the place of care, separate from the approval for {treatment} itself.",
    "Requests for the same records twice; send them again and keep proof that you did.",
    "A change of plan at the start of the year, which can restart the approval process.",
)
TIPS = (
    "Call {payer} and ask which policy, and which version of it, was used for the decision.",
    "Ask your doctor's office whether it can request a peer-to-peer review with the {payer} reviewer.",
    "If waiting could harm your health, ask for an expedited appeal and say why.",
    "Write a one-page cover letter that lists each reason for the denial and where the answer is.",
    "If the appeal is denied again, ask about an external review by an independent reviewer.",
    "Ask for the credentials of the reviewer who denied {treatment}; some rules require a matching specialist.",
    "Check whether your state has a law that limits how {payer} can apply this kind of rule.",
    "Track every deadline on a calendar, starting from the date printed on the notice.",
    "Ask your doctor to write the appeal letter on letterhead and to sign and date it.",
    "If {payer} asks for more information, answer before its deadline, even if only to ask for more time.",
)
CRITERIA = (
    "A confirmed diagnosis of $condition, documented by a specialist.",
    "Records showing that at least two other treatments were tried for $number weeks or more and did not work or were not tolerated.",
    "A dose and schedule that match the approved labeling or a recognized guideline.",
    "A baseline $record dated within the last $number months.",
    "A prescription or order from a specialist who treats $condition.",
    "No use together with another treatment of the same kind.",
    "For a renewal, a documented response after the first $number months.",
    "A treatment plan with goals that can be measured.",
    "Testing that rules out other causes of the symptoms.",
    "Approval requested before treatment starts, except in an emergency.",
)
REASON_OPENERS = {
    "not-medically-necessary": "For {treatment}, show {payer} each policy criterion next to the record that meets it.",
    "step-therapy": "List every drug you tried before {treatment}, with dates, doses and why you stopped.",
    "prior-authorization-not-obtained": "Ask the provider to request approval after the fact and to send the records with it.",
    "non-formulary": "Ask {payer} for a formulary exception and explain why the covered drugs will not work for you.",
    "quantity-limit": "Have your doctor explain why your dose of {treatment} needs more than the limit allows.",
    "experimental-investigational": "Send the studies and guidelines that show {treatment} is standard care for your condition.",
    "out-of-network": "Show that no in-network provider near you can give {treatment} in time.",
    "benefit-exclusion": "Read the exclusion word for word and check whether {treatment} really falls under it.",
}
REASON_NOTE_MORE = (
    "Your doctor's letter should answer the exact words of the denial.",
    "If {payer} needs more records, send them before its deadline and keep proof.",
    "A peer-to-peer call between your doctor and the reviewer can settle this quickly.",
    "Ask {payer} for the policy it used and check the version date.",
    "If the first appeal fails, you may be able to ask for an external review.",
)
PAYER_EDIT_SENTENCE = "Keep a copy of everything you send."
"""Every payer's notes end with this sentence; the edit-payer case changes it."""
