"""What the assistant says about the law and about help, kept true to its source.

Each test guards a sentence a review found wrong or short of the source document
(/work/shared/seed/, FACTS.md): a penalty, the scope of a service, what a child may
do without their parents. The meaning-carrying words are checked in English; in
Czech and Ukrainian, where their wording allows, the same words, and everywhere
that the fact or the step is there.
"""

from __future__ import annotations

import re
from typing import Dict, List

import pytest

from referrals import ReferralDataset, load_dataset
from referrals.render import situation_replies
from referrals.schema import LANGUAGES


@pytest.fixture(scope="module")
def dataset() -> ReferralDataset:
    return load_dataset()


def fact(dataset: ReferralDataset, fact_id: str, lang: str) -> str:
    return dataset.fact(fact_id).text[lang].lower()


def steps(dataset: ReferralDataset, situation_id: str, lang: str) -> List[str]:
    return [step.lower() for step in dataset.situations[situation_id].steps[lang]]


def first_reply(dataset: ReferralDataset, situation_id: str, lang: str) -> str:
    """Every bubble the situation's answer sends at once, lower case."""
    replies = situation_replies(dataset, situation_id, lang)
    return "\n".join(reply.text for reply in replies).lower()


def has_all(text: str, phrases: List[str]) -> List[str]:
    """The phrases missing from `text` (empty: all there)."""
    return [phrase for phrase in phrases if phrase.lower() not in text]


# --- Criminal Code, § 192 (Q8.1, Q9.1, Q9.9) ------------------------------------------

SPREADING = {
    "en": ["making", "offering", "spreading", "6 months to 3 years"],
    "cs": ["vyrábí", "nabízí", "šíří", "6 měsíců až 3 roky"],
    "uk": ["виготовляє", "пропонує", "поширює", "від 6 місяців до 3 років"],
}
PUBLIC_NETWORK = {
    "en": ["publicly accessible computer network", "2 to 6 years"],
    "cs": ["veřejně přístupnou počítačovou síť", "2 až 6 let"],
    "uk": ["загальнодоступну комп'ютерну мережу", "від 2 до 6 років"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_producing_offering_or_spreading_carries_six_months_to_three_years(
    dataset: ReferralDataset, lang: str
) -> None:
    text = fact(dataset, "law_child_pornography_spreading", lang)
    assert has_all(text, SPREADING[lang]) == []
    assert "192" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_aggravated_case_names_a_publicly_accessible_computer_network(
    dataset: ReferralDataset, lang: str
) -> None:
    # § 192(4)(b): "publicly accessible computer network", not "the internet".
    text = fact(dataset, "law_child_pornography_spreading", lang)
    assert has_all(text, PUBLIC_NETWORK[lang]) == []


GETS_ACCESS = {"en": r"get(s|ting) access", "cs": r"získá přístup", "uk": r"доступ"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_getting_access_through_ict_is_named(
    dataset: ReferralDataset, lang: str
) -> None:
    # § 192(2): "get the access to child pornography" using ICT.
    assert re.search(GETS_ACCESS[lang], fact(dataset, "law_child_pornography", lang))


HALVED = {"en": "halved", "cs": "na polovinu", "uk": "наполовину"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_penalties_are_halved_for_juveniles(
    dataset: ReferralDataset, lang: str
) -> None:
    text = fact(dataset, "law_juvenile_penalties", lang)
    assert HALVED[lang] in text
    assert has_all(text, ["15", "17"]) == []


@pytest.mark.parametrize("situation_id", ["trouble_sent_own", "trouble_others_images"])
def test_the_trouble_cases_give_the_juvenile_penalties(
    dataset: ReferralDataset, situation_id: str
) -> None:
    assert "law_juvenile_penalties" in dataset.situations[situation_id].facts


# --- § 193: persuading a child needs profiting too (Q8.1) -----------------------------

SECTION_193_1 = (
    "(1) Whoever persuades, arranges, hires, allures, entices or exploits a child for "
    "production of pornographic works and profits the child's participation in such "
    "pornographic works, shall be sentenced to imprisonment for one year to five years."
)


@pytest.mark.parametrize(
    "record",
    [("facts", "law_abuse_for_pornography"), ("situations", "trouble_sent_own")],
)
def test_section_193_is_quoted_whole(dataset: ReferralDataset, record: tuple) -> None:
    kind, record_id = record
    entry = getattr(dataset, kind)[record_id]
    assert SECTION_193_1 in entry.quotes()
    assert not any(
        quote.startswith("(1) Whoever persuades") and quote != SECTION_193_1
        for quote in entry.quotes()
    )


def test_the_section_193_fact_names_the_profit(dataset: ReferralDataset) -> None:
    text = fact(dataset, "law_abuse_for_pornography", "en")
    assert "profiting" in text
    assert "zisk" in fact(dataset, "law_abuse_for_pornography", "cs")
    assert "заробляє" in fact(dataset, "law_abuse_for_pornography", "uk")


OVERSTATED = {
    "en": ["is committing a crime", "different, because"],
    "cs": ["trestný čin páchá", "jinak, jejich šíření"],
    "uk": ["злочин чинить", "інакше, бо"],
}
BLAME_IS_THEIRS = {
    "en": ["it's their fault", "can be a crime", "blackmail always is"],
    "cs": ["vinu má on", "může být trestný čin", "vydírání je trestný čin"],
    "uk": ["винна ця людина", "може бути злочином", "шантаж — злочин завжди"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_sender_is_told_the_blame_is_theirs_and_it_can_be_a_crime(
    dataset: ReferralDataset, lang: str
) -> None:
    # § 193(1) needs profiting too, and a persuader can be a peer: "can be";
    # blackmail itself is a crime (§ 175, Q14).
    opener = dataset.situations["trouble_sent_own"].text[lang].lower()
    assert has_all(opener, BLAME_IS_THEIRS[lang]) == []
    # Nothing that says every persuader commits a crime, nor that sending one's
    # own pictures, unlike someone else's, is never one (from 15 it can be).
    assert [claim for claim in OVERSTATED[lang] if claim in opener] == []


# --- Act No. 45/2013 Coll.: interview and secondary victimisation (Q6.2) -------------

INTERVIEW = {
    "en": ["pre-trial", "person trained", "room set up"],
    "cs": ["přípravném řízení", "vyškolený člověk", "místnosti", "upravená"],
    "uk": ["досудовому етапі", "навчена людина", "кімнаті", "облаштованій"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_interview_fact_names_pre_trial_trained_person_and_adapted_room(
    dataset: ReferralDataset, lang: str
) -> None:
    assert has_all(fact(dataset, "rights_interview", lang), INTERVIEW[lang]) == []


OFFENDER_CONTACT = {
    "en": ("contact", "named as the offender", "no contact at all"),
    "cs": ("kontaktu", "označený za pachatele", "žádný kontakt"),
    "uk": ("контакту", "названо кривдником", "жодного контакту"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_secondary_victimisation_is_contact_with_the_person_named_as_offender(
    dataset: ReferralDataset, lang: str
) -> None:
    contact, offender, too_much = OFFENDER_CONTACT[lang]
    text = fact(dataset, "rights_secondary_victimisation", lang)
    assert contact in text and offender in text
    assert too_much not in text


# --- Evidence: never the pictures themselves (§ 192: copying is procuring) -----------

NEVER_THE_PICTURES = {
    "en": r"\b(never|don't)\b[^.]*\b(save|copy)\b[^.]*\bpictures",
    "cs": r"samotné fotky (neukládej|nikam nekopíruj|nekopíruj)",
    "uk": r"самі фото (не зберігай|нікуди не копіюй|не копіюй)",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "situation_id", ["sextortion", "images_shared", "grooming", "trouble_sent_own"]
)
def test_the_evidence_advice_says_never_to_keep_the_pictures(
    dataset: ReferralDataset, situation_id: str, lang: str
) -> None:
    said = steps(dataset, situation_id, lang)
    assert any(re.search(NEVER_THE_PICTURES[lang], step) for step in said), said


# --- Act No. 359/1999 Coll., Section 8: help without the parents knowing (Q6.2) -------

WITHOUT_PARENTS = {
    "en": "without your parents knowing",
    "cs": "rodiče nevědí",
    "uk": "батьки про це не знають",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "situation_id", ["sextortion", "images_shared", "trouble_others_images"]
)
def test_a_child_afraid_of_their_parents_reads_section_8_in_the_first_reply(
    dataset: ReferralDataset, situation_id: str, lang: str
) -> None:
    section_8 = [
        step for step in steps(dataset, situation_id, lang) if "359/1999" in step
    ]
    assert len(section_8) == 1
    assert WITHOUT_PARENTS[lang] in section_8[0]
    assert section_8[0] in first_reply(dataset, situation_id, lang)
    # The step rests on the document's words.
    quotes = " ".join(dataset.situations[situation_id].quotes())
    assert "without the knowledge of his or her parents" in quotes


OSPOD_EXPLAINED = {
    "en": "child protection office (ospod)",
    "cs": "ospod (část úřadu, která chrání děti)",
    "uk": "ospod (службу захисту дітей)",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_section_8_fact_says_what_ospod_is(
    dataset: ReferralDataset, lang: str
) -> None:
    assert OSPOD_EXPLAINED[lang] in fact(dataset, "child_may_ask_for_help", lang)


# --- Take It Down: its limits where it is suggested (FACTS.md) -----------------------

TAKE_IT_DOWN_LIMITS = {
    "en": ["american", "english", "platforms that take part", "private chats"],
    "cs": ["americká", "angličtině", "zapojily", "soukromých chatech"],
    "uk": ["американський", "англійською", "приєдналися", "приватних чатах"],
}


def situations_suggesting_take_it_down(dataset: ReferralDataset) -> List[str]:
    return [
        situation_id
        for situation_id, situation in dataset.situations.items()
        if any("take it down" in step.lower() for step in situation.steps["en"])
    ]


def test_take_it_down_is_suggested_where_pictures_are_online(
    dataset: ReferralDataset,
) -> None:
    assert {"images_shared", "takedown"} <= set(
        situations_suggesting_take_it_down(dataset)
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_step_suggesting_take_it_down_says_its_limits(
    dataset: ReferralDataset, lang: str
) -> None:
    for situation_id in situations_suggesting_take_it_down(dataset):
        suggesting = [
            step
            for step in steps(dataset, situation_id, lang)
            if "take it down" in step
        ]
        assert suggesting, (situation_id, lang)
        for step in suggesting:
            assert has_all(step, TAKE_IT_DOWN_LIMITS[lang]) == [], (situation_id, step)
    assert (
        has_all(fact(dataset, "take_it_down", lang), TAKE_IT_DOWN_LIMITS[lang][:2])
        == []
    )


# --- The police hotline: cybercrime, including sexual exploitation online (Q6.1) -----

HOTLINE_SCOPE = {
    "en": ("cybercrime, including cases of sexual exploitation online", None),
    "cs": ("sexuální vykořisťování na internetu", "sexuální zneužívání"),
    "uk": ("сексуальної експлуатації онлайн", "насильств"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_police_hotline_is_for_cybercrime_including_sexual_exploitation_online(
    dataset: ReferralDataset, lang: str
) -> None:
    scope, wider = HOTLINE_SCOPE[lang]
    text = fact(dataset, "police_cybercrime_hotline", lang)
    assert scope in text
    assert wider is None or wider not in text
    # The document gives the hotline no number: the only number is the police's.
    assert re.findall(r"\d[\d ]*\d|\d", text) == ["158"]


# --- 116 006: the same in every language, as FACTS.md says ---------------------------

FREE_AND_NONSTOP = {
    "en": "free, day and night",
    "cs": "zdarma a nonstop",
    "uk": "безкоштовно й цілодобово",
}


@pytest.mark.parametrize("helpline_id", ["bily_kruh", "linka_bezpeci", "police"])
def test_a_helpline_description_says_free_and_nonstop_in_every_language(
    dataset: ReferralDataset, helpline_id: str
) -> None:
    description = dataset.helpline(helpline_id).description
    missing = [
        lang
        for lang in LANGUAGES
        if FREE_AND_NONSTOP[lang] not in description[lang].lower()
    ]
    assert missing == []


def test_the_crime_victims_helpline_is_for_victims_families_and_parents(
    dataset: ReferralDataset,
) -> None:
    description: Dict[str, str] = {
        lang: dataset.helpline("bily_kruh").description[lang].lower()
        for lang in LANGUAGES
    }
    assert has_all(description["en"], ["victims of crime", "families", "parents"]) == []
    assert (
        has_all(description["cs"], ["oběti trestných činů", "blízké", "rodiče"]) == []
    )
    assert has_all(description["uk"], ["жертв злочинів", "близьких", "батьків"]) == []


# --- Telegram and Messenger: the platform may keep a copy (FACTS.md) ------------------

PLATFORM_KEEPS = {
    "en": ["only your copy", "platform may keep", "inbox"],
    "cs": ["jen svou kopii", "platforma si ale může nechat", "schránka zpráv"],
    "uk": ["лише свою копію", "платформа може зберегти", "повідомленнях цієї сторінки"],
}
PLATFORM_KEEPS_FACT = {
    "en": ["your copy", "platform", "inbox", "may still keep"],
    "cs": ["svoji kopii", "platforma", "schránka zpráv", "může nechat"],
    "uk": ["твоя копія", "платформа", "скринька повідомлень", "може залишити"],
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_privacy_notice_says_the_platform_may_keep_a_copy(
    dataset: ReferralDataset, lang: str
) -> None:
    notice = dataset.situations["channel_privacy"].text[lang].lower()
    assert has_all(notice, PLATFORM_KEEPS[lang]) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_deleting_the_conversation_says_at_once_the_platform_may_keep_a_copy(
    dataset: ReferralDataset, lang: str
) -> None:
    situation = dataset.situations["conversation_deleted"]
    assert "chat_stays_on_platform" in situation.facts
    assert situation.facts_are_the_answer
    said = first_reply(dataset, "conversation_deleted", lang)
    assert fact(dataset, "chat_stays_on_platform", lang) in said
    assert has_all(said, PLATFORM_KEEPS_FACT[lang]) == []


# --- Sextortion: safety first, free help and the compensation check after -----------


def test_sextortion_asks_about_safety_and_then_offers_the_compensation_check(
    dataset: ReferralDataset,
) -> None:
    # One follow-up question per situation: sextortion asks "Are you safe?"; the
    # answer "yes" is followed by more_topics (actions.conversation), whose
    # buttons include the compensation check. images_shared asks the offer itself.
    sextortion = dataset.situations["sextortion"]
    assert sextortion.follow_up == "safety_check"
    assert {"rights_free_help", "compensation_who_decides"} <= set(sextortion.facts)
    intents = [button.intent for button in dataset.button_sets["more_topics"]]
    assert "check_compensation" in intents
    assert dataset.situations["images_shared"].follow_up == "compensation_offer"
