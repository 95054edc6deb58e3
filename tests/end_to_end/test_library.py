"""The RRMM content library: the seed facts are in the right topic, at the right reading level."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from builder.content import load_library
from builder.markup import to_plain
from builder.model import LEVELS, at_level
from builder.readability import TARGETS, score, topic_prose

LIB = load_library(REPO / "content")

# Facts of ../shared/seeds, by the topic whose *detailed* level must state them (issue 3).
SEED_FACTS = {
    "relapsed-refractory": ["relapse", "refractory", "resistan", "remission", "shorter",
                            "very common"],
    "choosing-treatment": ["overall health", "relapse", "remission", "earlier treatment",
                           "genetic", "MRD", "minimal residual disease"],
    "drug-classes": ["proteasome inhibitor", "bortezomib", "carfilzomib", "ixazomib",
                     "immunomodulat", "lenalidomide", "pomalidomide", "monoclonal antibod",
                     "daratumumab", "CD38", "elotuzumab", "SLAMF7", "nuclear export inhibitor",
                     "selinexor", "steroid", "dexamethasone", "chemotherapy"],
    "combination-treatments": ["daratumumab", "carfilzomib", "dexamethasone", "pomalidomide",
                               "bortezomib", "selinexor", "three", "four"],
    "car-t-and-bispecifics": ["CAR T", "T cells", "idecabtagene vicleucel", "ide-cel",
                              "ciltacabtagene autoleucel", "cilta-cel", "BCMA", "bispecific",
                              "GPRC5D"],
    "newer-treatments": ["antibody-drug conjugate", "belantamab mafodotin", "BCMA", "BCL2",
                         "MCL1", "checkpoint inhibitor", "immunomodulat", "trial", "approved"],
    "stem-cell-transplant": ["autologous", "high-dose chemotherapy", "stem cells",
                             "healthy enough"],
    "clinical-trials": ["ClinicalTrials.gov", "screening", "informed consent", "cost",
                        "medical history", "control group", "any time", "expanded access"],
    "supportive-care": ["fatigue", "bone pain", "anemia", "infection", "growth factor",
                        "pain", "zoledronic acid", "palliative care", "support group"],
    "watchful-waiting-and-outlook": ["watchful waiting", "checkups", "side effects",
                                     "age", "overall health", "support group", "counseling"],
    "questions-to-ask": ["next options", "clinical trial", "risks and benefits",
                         "side effects", "quality of life", "palliative care"],
}


def detailed_text(topic_id: str) -> str:
    topic = LIB.topics[topic_id]
    parts = [to_plain(at_level(topic.title, "detailed") or ""),
             to_plain(at_level(topic.summary, "detailed") or "")]
    for block in topic.blocks:
        for name in ("text", "items", "term", "caption", "slide"):
            value = at_level(getattr(block, name, None), "detailed")
            values = value if isinstance(value, list) else [value]
            parts += [to_plain(v) for v in values if v]
    return " ".join(parts)


@pytest.mark.parametrize("topic_id", sorted(SEED_FACTS))
def test_seed_facts_are_in_the_detailed_level_of_the_right_topic(topic_id: str):
    text = detailed_text(topic_id).lower()
    missing = [fact for fact in SEED_FACTS[topic_id] if fact.lower() not in text]
    assert not missing, f"{topic_id} (detailed) does not state: {missing}"


@pytest.mark.parametrize("topic_id", sorted(LIB.topics))
@pytest.mark.parametrize("level", LEVELS)
def test_every_topic_meets_its_reading_level(topic_id: str, level: str):
    result = score(topic_prose(LIB.topics[topic_id], level), "en", level)
    assert result.value <= TARGETS[level], f"{topic_id} {level}: FK grade {result.value}"


def test_easy_sentences_are_short():
    for topic in LIB.topics.values():
        for text in topic_prose(topic, "easy"):
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                assert len(sentence.split()) <= 20, (topic.id, sentence)


def test_approvals_are_dated_and_hedged():
    for topic_id in ("newer-treatments", "car-t-and-bispecifics"):
        text = detailed_text(topic_id).lower()
        assert "2024" in text or "source" in text
        assert "ask your care team" in text


@pytest.mark.slow
def test_check_passes_and_prints_the_readability_table(project, handout):
    run = handout("check", "--lang", "en")
    assert run.code == 0, run.out + run.err
    assert "Readability" in run.out and "check passed" in run.out
    for topic_id in LIB.topics:
        assert re.search(rf"^{re.escape(topic_id)}\s+easy\s+[\d.]+$", run.out, re.M), topic_id
