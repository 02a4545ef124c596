"""The demo reports' English texts: each activity's story, step by step, from templates per area of work.

Eight activities have a hand-written story (STEPS); every open activity has an area and a short topic (TOPICS),
from which `story` writes the rest: first the one-off steps of its area, then recurring ones with fresh figures,
places and countries. Everything is drawn from a random.Random seeded with the activity's code, so an activity
always tells the same story whatever else the demo holds.
"""
import random
from dataclasses import dataclass

# (what was done, what to do next) per activity, in order; hand-written for the activities people look at first.
STEPS = {
    "1.1.1.2": [
        ("Agreed the outline of the guidance note on partner roles with the working group.",
         "agree the outline of the guidance note with the working group"),
        ("Interviewed 8 partner focal points on how they engage with country clusters.",
         "interview partner focal points on how they engage with country clusters"),
        ("Shared the first draft of the guidance note with 14 partners for comment.",
         "share a first draft with partners for comment"),
        ("Consolidated 41 comments from 11 partners into a second draft.",
         "consolidate the partners' comments into a second draft"),
        ("Settled the open points on co-lead roles at the working-group meeting.",
         "settle the open points on co-lead roles"),
        ("Two francophone partners checked the French version of the draft.",
         "have the French version checked by francophone partners"),
        ("The SAG reviewed the note and asked for a shorter annex on onboarding.",
         "present the note to the SAG"),
        ("Rewrote the annex on onboarding national NGOs as a two-page checklist.",
         "rewrite the onboarding annex as a checklist"),
    ],
    "1.1.1.3": [
        ("Mapped 23 private-sector and academic organisations already working with the cluster.",
         "map the private-sector and academic organisations already working with the cluster"),
        ("Held two exploratory calls with logistics companies' humanitarian programmes.",
         "hold exploratory calls with logistics companies' humanitarian programmes"),
        ("Drafted engagement principles, including due-diligence checks.", "draft the engagement principles"),
        ("Shared the draft principles with the legal focal points of three partner agencies.",
         "have partner agencies' legal focal points review the principles"),
        ("Ran a consultation webinar with 5 universities and 4 companies.", "run a consultation webinar"),
        ("Added a section on data sharing with academia after the webinar.",
         "revise the draft after the webinar"),
        ("Agreed a template memorandum of understanding for academic partnerships.",
         "agree a template memorandum of understanding for academic partnerships"),
        ("Piloted the guidance with one university partnership.", "pilot the guidance with a university"),
        ("Collected feedback from the university pilot.", "collect feedback from the pilot"),
        ("Launched a second pilot with a logistics company's humanitarian programme.",
         "launch a second pilot with a company"),
        ("Circulated the draft final version to the working group.", "circulate the draft final version"),
    ],
    "1.2.1.4": [
        ("Contributed key messages on logistics preparedness to the cluster's advocacy note.",
         "contribute key messages to the advocacy note"),
        ("Presented the role of logistics in preparedness at a regional humanitarian forum.",
         "present logistics preparedness at a regional forum"),
        ("Collected two case studies from country operations for the advocacy kit.",
         "collect case studies from country operations"),
        ("Co-hosted a side event on preparedness with two partner agencies.",
         "co-host a side event on preparedness"),
        ("Reviewed the advocacy calendar ahead of the GLM.", "review the advocacy calendar"),
        ("Briefed donors' humanitarian advisers on logistics preparedness gaps.", "brief donors' advisers"),
    ],
    "1.3.1.2": [
        ("Held the quarterly SAG consultation; 9 of 11 members attended.", "hold the quarterly SAG consultation"),
        ("Held an extra SAG call to prepare the GLM agenda.", "prepare the GLM agenda with the SAG"),
        ("The SAG reviewed the mid-term progress of the SIP.", "review the mid-term progress of the SIP"),
        ("Consulted the SAG on the next GLM's priorities; minutes shared with partners.",
         "consult the SAG on the next GLM's priorities"),
        ("Renewed three SAG seats after a call for candidates.", "renew the SAG seats that end this year"),
        ("Held the quarterly SAG consultation online; 10 of 11 members attended.", "hold the next consultation"),
    ],
    "1.3.1.3": [
        ("Reviewed which SIP priorities need a dedicated working group.",
         "review which SIP priorities need a dedicated working group"),
        ("Renewed the terms of reference of the training working group.", "renew the training WG's terms of reference"),
        ("Called for co-leads of an information-management working group.",
         "call for co-leads of an information-management working group"),
        ("The information-management working group held its first meeting.",
         "hold the first meeting of the information-management working group"),
        ("Checked the working groups' work plans against the SIP.", "check the work plans against the SIP"),
        ("Merged two dormant task forces into the partnerships working group.", "merge the dormant task forces"),
    ],
    "3.1.1.2": [
        ("Compared three learning-platform options with partner training focal points.",
         "compare learning-platform options with partners"),
        ("Chose an open-source platform; a partner agreed to host it.", "choose a platform and a host"),
        ("Uploaded the first 12 modules of the logistics induction course.", "upload the induction course"),
        ("Opened the platform to 6 partner organisations for testing.", "open the platform to partners for testing"),
        ("Fixed the access problems reported on low-bandwidth connections.", "fix the low-bandwidth access problems"),
        ("Added French versions of 8 modules.", "add French versions of the modules"),
        ("Opened the platform to every cluster partner; 310 learners registered.",
         "open the platform to every partner"),
        ("Added a shared library where partners upload their own training materials.", "add a shared library"),
        ("420 learners completed at least one module.", "reach 400 learners"),
    ],
    "3.1.2.1": [
        ("Partners designated 37 staff to be trained on the cluster's roles and responsibilities.",
         "have partners designate staff for training"),
        ("Ran the first online session for 24 designated staff.", "run the first online session"),
        ("Ran a face-to-face session in Nairobi for 18 participants.", "run a face-to-face session in Nairobi"),
        ("Adapted the session for francophone operations; first session in Dakar.", "run a session in Dakar"),
        ("Trained 22 more staff online; 81 trained so far.", "train the next group online"),
        ("Added a module on the cluster's information-management tools.", "add a module on IM tools"),
        ("Ran a session in Amman for 16 participants from the region.", "run a session in Amman"),
        ("Surveyed participants: 87 % use the training in their work.", "survey past participants"),
    ],
    "4.2.3.1": [
        ("Listed candidate topics: localisation, environmental sustainability, customs facilitation.",
         "list candidate advocacy topics"),
        ("The SAG chose environmental sustainability as the first topic.", "choose the first topic"),
        ("Working groups gave input to a discussion paper on greener logistics.", "draft a discussion paper"),
        ("Presented the discussion paper at the GLM.", "present the paper at the GLM"),
        ("Started a second paper on customs facilitation in emergencies.", "start the customs paper"),
    ],
}
CHALLENGES = {
    "1.1.1.2": "Fewer partners than expected sent comments before the deadline.",
    "1.1.1.3": "The legal review of the due-diligence section is taking longer than planned.",
    "1.2.1.4": "Advocacy events compete with emergency responses for the same people's time.",
    "1.3.1.2": "Two SAG seats were vacant for the quarter.",
    "1.3.1.3": "Not enough volunteers to co-lead the new working group.",
    "3.1.1.2": "The hosting partner's server migration held up new modules.",
    "3.1.2.1": "Several partners have not designated staff yet; travel costs limit face-to-face sessions.",
    "4.2.3.1": "Partners disagree on how far the cluster should advocate beyond operational support.",
}
SUPPORT = {
    "1.1.1.2": "SAG members to ask their organisations' focal points to comment by the next deadline.",
    "1.1.1.3": "A SAG view on which due-diligence standard partners can accept.",
    "1.2.1.4": "Speakers from partner agencies for the next regional forum.",
    "1.3.1.2": "Nominations for the vacant SAG seats.",
    "1.3.1.3": "Partners to second a co-lead for one year.",
    "3.1.1.2": "A partner able to host the platform for two more years.",
    "3.1.2.1": "SAG to remind partners to designate staff for the next round.",
    "4.2.3.1": "A SAG decision on the scope of advocacy topics.",
}

# Contribution notes written by hand, for the activities whose area templates would read oddly.
CONTRIBUTIONS = {
    "1.3.1.3": [("The working groups' co-leads met to compare their work plans with the SIP.",
                 "send the SAG a joint update of the work plans"),
                ("Proposed two members to co-lead the information-management working group.",
                 "brief the new co-leads"),
                ("Reported to the SAG on which working groups are dormant.", "propose which groups to merge")],
}

# Every open activity of the seed: (area of work, a short name for it that reads well inside a sentence).
TOPICS = {
    "1.1.1.2": ("guidance", "the guidance note on partner roles"),
    "1.1.1.3": ("network", "the private-sector and academic partnerships"),
    "1.1.1.4": ("guidance", "the localisation guidance for handbooks and job descriptions"),
    "1.1.2.1": ("network", "the partnerships with the private sector, governments and academia"),
    "1.2.1.1": ("advocacy", "humanitarian logistics issues"),
    "1.2.1.2": ("information", "the platform for sharing research with partners"),
    "1.2.1.3": ("advocacy", "the cluster's logistics concerns"),
    "1.2.1.4": ("advocacy", "logistics preparedness"),
    "1.2.2.1": ("network", "the database of partners and stakeholders"),
    "1.2.2.2": ("guidance", "the procedures for mobilising partners' resources"),
    "1.3.1.1": ("meetings", "the GLM"),
    "1.3.1.2": ("meetings", "the SAG consultation"),
    "1.3.1.3": ("network", "the working groups"),
    "1.3.1.4": ("training", "the briefing on the Minimum Commitments"),
    "1.3.2.1": ("information", "the standard process for sharing logistics data"),
    "1.3.2.2": ("information", "the information products made with partners"),
    "2.1.1.1": ("guidance", "the map of humanitarian logistics knowledge"),
    "2.1.1.2": ("information", "the guide to platforms for sharing standards and lessons"),
    "2.2.1.2": ("guidance", "the Preparedness Enabler's Guide"),
    "2.2.1.3": ("advocacy", "green logistics practices"),
    "2.3.2.1": ("advocacy", "cluster activation procedures"),
    "2.3.2.2": ("guidance", "the SOP update for IASC decisions"),
    "2.3.2.3": ("guidance", "the recommendations on protection, PSEA and gender"),
    "2.3.2.4": ("advocacy", "support to cluster operations"),
    "2.3.3.2": ("services", "the model agreements for common service providers"),
    "2.3.3.3": ("services", "the minimum standards for common services"),
    "2.3.3.4": ("services", "the review of the service provision process"),
    "3.1.1.1": ("training", "the regional training on logistics coordination"),
    "3.1.1.2": ("information", "the online training platform"),
    "3.1.2.1": ("training", "the training on the cluster's roles and responsibilities"),
    "3.1.2.2": ("training", "the training of cluster coordinators"),
    "3.2.1.1": ("country", "the support to locally led preparedness coordination"),
    "3.2.1.2": ("country", "the support to locally led coordination and information management"),
    "4.1.1.1": ("guidance", "the country-level communication materials"),
    "4.1.1.2": ("country", "the assessment of country gaps and needs"),
    "4.2.1.1": ("network", "the roster for deploying experts"),
    "4.2.1.2": ("country", "the support to country operations"),
    "4.2.2.1": ("information", "the update of RITA, LogIE and the Logistics Operational Guide"),
    "4.2.2.2": ("information", "the operational data dashboard"),
    "4.2.2.3": ("information", "the catalogue of digital tools for operations"),
    "4.2.3.1": ("advocacy", "topics beyond operational support"),
    "4.3.1.1": ("country", "the country-level cluster strategies"),
    "4.3.1.2": ("country", "the transition and phase-out plans"),
    "4.4.1.1": ("guidance", "the monitoring and evaluation framework"),
    "4.4.2.1": ("guidance", "the light lessons-learned method"),
    "4.4.2.2": ("information", "the lessons-learned tracker for the GLM plenary"),
}
DEFAULT_TOPIC = ("guidance", "the activity's work plan")


@dataclass(frozen=True)
class Area:
    """Templates for one area of work; {topic}, {topic_name}, {n}, {m}, {k}, {pct}, {people}, {place}, {country},
    {gap} are filled in."""

    steps: list[tuple[str, str]]  # one-off steps, in order
    recurring: list[tuple[str, str]]  # what the work looks like once it runs
    completed: str
    challenges: list[str]
    support: list[str]
    contributions: list[tuple[str, str]]  # a responsible body's note on an activity another body is accountable for


AREAS = {
    "guidance": Area(
        steps=[("Agreed the scope and outline of {topic} with {n} partners.", "agree the scope and outline of {topic}"),
               ("Reviewed existing practice in {n} country operations for {topic}.",
                "review existing practice in country operations"),
               ("Wrote a first draft of {topic}.", "write a first draft of {topic}"),
               ("Shared the draft of {topic} with {m} partners; {n} sent comments.",
                "share the draft with partners for comment"),
               ("Consolidated the partners' comments into a second draft.",
                "consolidate the comments into a second draft"),
               ("Tested the second draft with the cluster team in {country}.", "test the draft with a country team"),
               ("Francophone partners checked the French version of {topic}.", "have the French version checked"),
               ("Presented {topic} to the SAG, which asked for a shorter summary.", "present {topic} to the SAG")],
        recurring=[("Updated {topic} with lessons from the response in {country}.",
                    "update {topic} with lessons from recent responses"),
                   ("Briefed {n} country coordinators on {topic} during their monthly call.",
                    "brief country coordinators on {topic}"),
                   ("Answered {n} questions from country teams on applying {topic}.",
                    "collect country teams' questions into a short FAQ")],
        completed="Published {topic} in English and French and shared it with every country operation.",
        challenges=["Fewer partners than expected sent comments before the deadline.",
                    "The staff writing {topic} were redeployed to the response in {country} for two months.",
                    "Agreeing the wording with the lead agency's legal team takes longer than planned."],
        support=["SAG members to ask their organisations' focal points to comment on {topic}.",
                 "A SAG decision on the open questions in the draft of {topic}.",
                 "A partner to second a writer for two months."],
        contributions=[("Reviewed the draft of {topic} and sent {n} comments.", "comment on the next draft"),
                       ("Shared examples from {country} for {topic}.", "share more examples from the field"),
                       ("Discussed {topic} at the members' meeting and sent {n} suggestions.",
                        "test the guidance in members' own operations")],
    ),
    "training": Area(
        steps=[("Assessed the training needs of {m} partner staff for {topic}.", "assess partners' training needs"),
               ("Designed the curriculum of {topic} with {n} partner training focal points.", "design the curriculum"),
               ("Prepared the session materials in English and French.", "prepare the session materials"),
               ("Ran a pilot session of {topic} in {place} for {m} participants.", "run a pilot session"),
               ("Revised the materials after the pilot's evaluation.", "revise the materials after the pilot")],
        recurring=[("Ran a session of {topic} in {place} for {m} participants.", "run the next session in {place}"),
                   ("Ran an online session of {topic} for {m} participants from {n} countries.",
                    "run an online session"),
                   ("Followed up with past participants: {pct} % use what they learned in their work.",
                    "follow up with past participants")],
        completed="Handed {topic} over to partners' own training programmes.",
        challenges=["Travel costs limit face-to-face sessions.",
                    "Several partners have not designated participants yet.",
                    "The pool of trainers is too small for the demand from the regions."],
        support=["SAG members to fund places for national NGO staff.",
                 "Partners to release two trainers each for the next round.",
                 "The SAG to remind partners to designate participants."],
        contributions=[("Co-facilitated a session of {topic} in {place}.", "co-facilitate the next session"),
                       ("Shared the training materials of {n} partners for {topic}.",
                        "share more partners' materials"),
                       ("Reviewed the evaluations of {topic} and proposed {n} changes.",
                        "review the revised materials")],
    ),
    "advocacy": Area(
        steps=[("Agreed key messages on {topic} with partners.", "agree key messages on {topic} with partners"),
               ("Mapped {n} forums where {topic} should be raised.", "map the forums that matter"),
               ("Prepared a two-page brief on {topic}.", "prepare a short brief"),
               ("Spoke on {topic} at a regional humanitarian forum in {place}.", "speak at a regional forum")],
        recurring=[("Raised {topic} at the inter-cluster coordination group; {n} follow-up actions agreed.",
                    "follow up with the inter-cluster coordination group"),
                   ("Briefed donors' humanitarian advisers on {topic}.", "brief donors' humanitarian advisers"),
                   ("Co-hosted a side event on {topic} with {n} partner agencies.", "co-host a side event"),
                   ("Collected two case studies on {topic} from {country}.",
                    "collect case studies from country operations"),
                   ("Updated the brief on {topic} with figures from {country}.", "update the brief")],
        completed="Handed the advocacy on {topic} over to the partners' joint advocacy calendar.",
        challenges=["Advocacy events compete with emergency responses for the same people's time.",
                    "Partners do not yet agree on the messages on {topic}.",
                    "There is no budget for travel to the forums identified."],
        support=["Speakers from partner agencies for the next forum.",
                 "A SAG view on the messages on {topic} that every partner can sign.",
                 "SAG members to raise {topic} in their own agencies' networks."],
        contributions=[("Spoke on {topic} at {n} events.", "speak at the next regional forum"),
                       ("Shared the key messages on {topic} through members' networks.",
                        "share the next brief through members' networks"),
                       ("Contributed a case study on {topic} from {country}.", "contribute another case study")],
    ),
    "information": Area(
        steps=[("Collected the requirements of {m} partners for {topic}.", "collect partners' requirements"),
               ("Compared {n} options for {topic}.", "compare the options"),
               ("Built a first version of {topic}.", "build a first version"),
               ("Tested {topic} with the cluster team in {country}.", "test it in a country operation"),
               ("Fixed the problems found in {country} and added a low-bandwidth mode.",
                "fix the problems found in testing"),
               ("Opened {topic} to every country operation.", "open it to every country operation")],
        recurring=[("{m} people from {n} organisations used {topic} this quarter.", "reach more partners' staff"),
                   ("Added the contributions of {n} more partners to {topic}.", "add more partners' contributions"),
                   ("Updated {topic} after feedback from the team in {country}.", "act on country teams' feedback"),
                   ("Fixed {n} problems reported by the users of {topic}.", "fix the problems users report")],
        completed="Handed {topic} over to the information-management team, in use in every active operation.",
        challenges=["Country teams lack the information-management staff to keep the data current.",
                    "Data-sharing agreements with {n} partners are still pending.",
                    "Connectivity problems in {country} held up testing."],
        support=["A partner to second an information-management officer for six months.",
                 "SAG members to push for the pending data-sharing agreements.",
                 "Funding for the hosting costs of {topic} next year."],
        contributions=[("Sent data from {n} operations for {topic}.", "send the next quarter's data"),
                       ("Tested {topic} and reported {n} problems.", "test the next version"),
                       ("Trained {m} staff of member organisations to use {topic}.", "train more members' staff")],
    ),
    "network": Area(
        steps=[("Mapped {m} organisations relevant to {topic}.", "map the organisations concerned"),
               ("Held exploratory calls with {n} organisations on {topic}.", "hold exploratory calls"),
               ("Drafted the principles and procedure for {topic}.", "draft the principles and procedure"),
               ("Agreed a template agreement for {topic} with {n} partners.", "agree a template agreement")],
        recurring=[("Signed up {n} new organisations for {topic}; {m} in total.", "sign up more organisations"),
                   ("Mobilised {n} experts through {topic} for the response in {country}.",
                    "keep the contacts up to date"),
                   ("Reviewed {topic} with {n} partners after the response in {country}.",
                    "review {topic} with partners")],
        completed="Handed {topic} over to the secretariat's regular work.",
        challenges=["Partners' legal reviews take longer than planned.",
                    "Private-sector contacts changed after a restructuring.",
                    "Few national NGOs are involved in {topic} yet."],
        support=["SAG members to introduce the cluster to their private-sector contacts.",
                 "A SAG view on which due-diligence standard partners accept.",
                 "National NGO members of the SAG to encourage their peers to join."],
        contributions=[("Introduced {n} organisations for {topic}.", "introduce more organisations"),
                       ("Members discussed {topic} and proposed {n} contacts.", "follow up on the contacts"),
                       ("Shared lessons from {country} on {topic}.", "share lessons from other operations")],
    ),
    "country": Area(
        steps=[("Surveyed partners in {n} country operations on their needs.", "survey partners in country operations"),
               ("Analysed the {m} answers to the survey; the main gap named is {gap}.", "analyse the survey"),
               ("Held a workshop in {country} with {m} national and international partners.",
                "hold a workshop in a country operation"),
               ("Agreed a work plan for {topic} with the national authorities in {country}.",
                "agree a work plan with the national authorities"),
               ("Partners in {country} validated the work plan.", "have partners validate the work plan")],
        recurring=[("Ran a support mission to {country}, with {n} partners involved.", "run a support mission"),
                   ("Coached the national coordination mechanism in {country} on {gap}.",
                    "coach a national coordination mechanism"),
                   ("Shared the lessons from {country} with the other country teams.",
                    "share lessons across country teams"),
                   ("Reviewed progress on {topic} with {n} country coordinators; {gap} remains the main gap.",
                    "review progress with country coordinators")],
        completed="Completed {topic}; the country teams carry it on in their regular work.",
        challenges=["Insecurity in {country} limited field visits.",
                    "The turnover of country coordinators slowed the work.",
                    "The national authorities' priorities changed in {country}."],
        support=["Partners' country directors to take part in the next workshop.",
                 "The SAG to raise {gap} with the donors' group.",
                 "A partner to fund a national coordinator in {country} for a year."],
        contributions=[("Shared lessons from {country} on {topic}.", "share lessons from other operations"),
                       ("Took part in the workshop on {topic} in {country}.", "take part in the next workshop"),
                       ("Sent {n} partners' views on {topic}.", "collect more partners' views")],
    ),
    "services": Area(
        steps=[("Reviewed how common services were requested in {n} operations for {topic}.",
                "review past requests for common services"),
               ("Listed {n} points to settle in {topic} with the service providers.", "list the points to settle"),
               ("Drafted {topic}.", "draft {topic}"),
               ("Consulted {n} common service providers on the draft.", "consult the service providers"),
               ("Tested {topic} in {country}.", "test {topic} in an operation")],
        recurring=[("Applied {topic} in {country}; {pct} % of requests met within the agreed time.",
                    "apply {topic} in another operation"),
                   ("Collected users' feedback on {topic} from {n} operations.", "collect users' feedback"),
                   ("Updated {topic} with the service providers after the response in {country}.",
                    "update {topic} with the providers")],
        completed="Endorsed {topic}; it now applies in every operation.",
        challenges=["Service providers' legal departments are slow to answer.",
                    "Funding for common services in {country} fell by a third.",
                    "Partners in {country} use the services in very different ways."],
        support=["SAG members to encourage their agencies to sign the model agreements.",
                 "A SAG view on how far minimum standards should bind service providers.",
                 "Donors' support for common services in {country}."],
        contributions=[("Reviewed {topic} and sent {n} comments.", "comment on the next version"),
                       ("Shared users' feedback on {topic} from {country}.", "share more feedback")],
    ),
    "meetings": Area(
        steps=[("Agreed the agenda of {topic} with the members.", "agree the agenda of {topic}"),
               ("Held {topic} in {place} with {people} participants.", "hold {topic}"),
               ("Shared the minutes of {topic} and its {n} action points with partners.",
                "share the minutes and action points")],
        recurring=[("Followed up the action points of {topic}: {n} of {k} done.", "follow up the action points"),
                   ("Held {topic} online with {people} participants from {n} regions.", "hold the next {topic_name}"),
                   ("Prepared {topic} with {n} partners' suggestions for the agenda.", "prepare the next agenda")],
        completed="Held the last {topic_name} of the strategy's period.",
        challenges=["Fewer partners than usual could attend because of the responses in {country}.",
                    "The venue fell through and had to be replaced at short notice.",
                    "Two seats were vacant for the quarter."],
        support=["Partners to host the next meeting.", "Nominations for the vacant seats.",
                 "SAG members to encourage national NGOs to attend."],
        contributions=[("Took part in {topic} and led {n} sessions.", "take part in the next {topic_name}"),
                       ("Sent {n} agenda items for {topic}.", "send agenda items for the next {topic_name}")],
    ),
}

MINOR_CHALLENGES = ["Meeting times are hard to agree across time zones.",
                    "Two members changed jobs; their organisations are naming replacements.", "", "", ""]
NOT_STARTED = ["Not started: the team gave priority to the response in {country}.",
               "Not started: waiting for the funding promised for next year.",
               "Not started: the people who should lead it are on other work until the next GLM."]
PLACES = ["Nairobi", "Dakar", "Amman", "Panama City", "Bangkok", "Johannesburg", "Dubai", "Kuala Lumpur", "Rome"]
COUNTRIES = ["Mali", "South Sudan", "Haiti", "Yemen", "Mozambique", "Bangladesh", "Ukraine", "Sudan", "Chad",
             "the Democratic Republic of the Congo", "Myanmar", "Somalia", "Burkina Faso", "Afghanistan"]
GAPS = ["customs clearance", "storage capacity", "fuel supply", "road access", "transport costs"]


def topic_of(code: str) -> tuple[str, str]:
    """(area, short name) of an activity."""
    return TOPICS.get(code, DEFAULT_TOPIC)


class Writer:
    """Fills an activity's templates with figures, places and countries drawn for it alone."""

    def __init__(self, code: str):
        self.code = code
        self.rng = random.Random(f"sip-demo-{code}")
        area, self.topic = topic_of(code)
        self.area = AREAS[area]

    def fill(self, template: str, capital: bool = True) -> str:
        """The template with its blanks filled; the first letter a capital (a sentence) or not (a next step)."""
        n = self.rng.randint(3, 9)
        people = self.rng.randint(80, 160) if self.topic == "the GLM" else self.rng.randint(9, 24)
        text = template.format(topic=self.topic, topic_name=self.topic.removeprefix("the "), n=n,
                               k=n + self.rng.randint(1, 4), m=self.rng.randint(12, 60), pct=self.rng.randint(62, 91),
                               people=people,
                               place=self.rng.choice(PLACES), country=self.rng.choice(COUNTRIES),
                               gap=self.rng.choice(GAPS))
        return text[:1].upper() + text[1:] if capital else text

    def story(self, length: int) -> list[tuple[str, str]]:
        """`length` steps (what was done, what to do next): the hand-written ones or the area's one-off steps, then
        its recurring ones."""
        if self.code in STEPS:
            steps = list(STEPS[self.code])
        else:  # the first one-off step, then most of the others: no two activities of an area tell the same story
            kept = self.area.steps[:1] + [step for step in self.area.steps[1:] if self.rng.random() < 0.75]
            steps = [(self.fill(done), self.fill(todo, capital=False)) for done, todo in kept]
        recurring = list(self.area.recurring)
        self.rng.shuffle(recurring)
        while len(steps) < length:
            done, todo = recurring[len(steps) % len(recurring)]
            steps.append((self.fill(done), self.fill(todo, capital=False)))
        return steps[:length]

    def completed(self) -> str:
        """The achievement that completes the activity."""
        return self.fill(self.area.completed)

    def challenge(self) -> str:
        """What puts the activity at risk or delays it."""
        return CHALLENGES.get(self.code) or self.fill(self.rng.choice(self.area.challenges))

    def support(self) -> str:
        """What the group asks the SAG for."""
        return SUPPORT.get(self.code) or self.fill(self.rng.choice(self.area.support))

    def not_started(self) -> str:
        """Why an activity has not started."""
        return self.fill(self.rng.choice(NOT_STARTED))

    def contribution(self, turn: int) -> tuple[str, str]:
        """A responsible body's note (what it did, what it will do next) on an activity another body leads."""
        notes = CONTRIBUTIONS.get(self.code) or self.area.contributions
        done, todo = notes[turn % len(notes)]
        return self.fill(done), self.fill(todo, capital=False)
