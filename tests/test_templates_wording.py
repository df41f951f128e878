"""The wording contract: every sentence a letter holds lives in templates/, code passes values.

(a) No drafting module holds an English sentence; (b) every macro the code calls exists, takes
exactly the values the code passes, and renders a sample cleanly; (c) a sentence changed in a
partial or its wording table is what the rendered letter then says.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
from pathlib import Path

import jinja2
import pytest
import yaml
from support import LUMBAR_POLICY, REPO

from service.models import (
    ChartFact,
    Citation,
    CitationKind,
    CodeSystem,
    Comparison,
    DiagnosisCode,
    Evaluation,
    FactType,
    Finding,
    Op,
    Requirement,
    RequirementKind,
    ServiceIn,
    ServiceLine,
    Signer,
    Threshold,
    Verdict,
    Window,
)
from service.render import wording
from service.render.wording import doc_name

SERVICE = REPO / "service"
DRAFTING = SERVICE / "drafting"
TODAY = dt.date(2026, 11, 22)
MIN_WORDS = 3  # "Member ID" is a key; "Your letter states" is a sentence
# Functions whose strings are not letter text: the feedback the model reads when it repairs its
# answer, and the provenance notes on a draft. Nothing in them reaches a letter.
NOT_LETTER_TEXT = {
    ("model.py", "parse_reply"),
    ("model.py", "_describe"),
    ("model_checks.py", "check_ids"),
    ("model_checks.py", "_kept"),
    ("model_checks.py", "check_claims"),
    ("model.py", "draft_with_model"),
}


# --- (a) no English sentence literals in drafting ---------------------------------------------


def _docstrings(tree: ast.Module) -> set[int]:
    scopes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, scopes) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _exempt(node: ast.AST, path: Path) -> bool:
    """A regex, a raised exception's or a log call's message, or a function listed above."""
    if isinstance(node, ast.Raise):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id in {"re", "log", "logger", "logging"}:
            return True
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return (path.name, node.name) in NOT_LETTER_TEXT
    return False


def _sentences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if _exempt(node, path):
            return
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and id(node) not in docs and len(text.split()) >= MIN_WORDS:
            found.append(f"{path.name}:{node.lineno}: {text!r}")
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_drafting_modules_hold_no_sentences():
    found = [s for path in sorted(DRAFTING.glob("*.py")) for s in _sentences(path)]
    assert found == [], "move these to templates/partials/:\n" + "\n".join(found)


def test_the_sentence_check_catches_a_sentence(tmp_path):
    module = tmp_path / "composer.py"
    module.write_text(
        '"""Docstrings may talk."""\n'
        "import re\n"
        "PATTERN = re.compile(r'\\b(?:one two three)\\b')\n"
        "def opening(x):\n"
        "    return f'We ask you to reverse {x}.'\n",
        encoding="utf-8",
    )
    assert [s.split(": ", 1)[1] for s in _sentences(module)] == ["'We ask you to reverse '"]


# --- (b) every macro the code calls exists and renders -----------------------------------------


def _calls() -> dict[tuple[str, str], set[str]]:
    """(partial, macro) -> the keyword names the code passes, for every phrase() in service/."""
    calls: dict[tuple[str, str], set[str]] = {}
    for path in SERVICE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if not isinstance(node, ast.Call) or name != "phrase":
                continue
            partial, macro = (a.value for a in node.args[:2] if isinstance(a, ast.Constant))
            names = {k.arg for k in node.keywords if k.arg}
            assert calls.setdefault((partial, macro), names) == names, (partial, macro)
    return calls


FACT = ChartFact(
    id="F1",
    type=FactType.EXAM,
    text="Positive straight leg raise on the left.",
    date=dt.date(2026, 9, 2),
    source="Progress note",
)
SPAN = FACT.model_copy(
    update={"id": "F2", "end_date": dt.date(2026, 9, 30), "source": "PT note", "text": "PT 8 wk"}
)
PASSAGE = LUMBAR_POLICY[0]
WINDOW = Window(value=2, unit="years")
EPISODES = Evaluation(
    requirement_id="SC2",
    kind=RequirementKind.EVENT_COUNT,
    text="at least three episodes of syncope in the past 2 years",
    verdict=Verdict.NOT_MET,
    subject="syncope",
    window=WINDOW,
    facts=[
        Finding(fact_id="F1", text=FACT.text, date=FACT.date),
        Finding(fact_id="F2", text=SPAN.text, date=dt.date(2024, 1, 2), counted=False),
    ],
    comparison=Comparison(
        count_required=3, count_found=1, count_op=Op.GE, anchor=TODAY, window_start=None
    ),
    need="dated records of each syncope episode",
)
AGE = Evaluation(
    requirement_id="SC1",
    kind=RequirementKind.AGE,
    text="at least 40 years old",
    verdict=Verdict.MET,
    subject="age",
    comparison=Comparison(
        required=Threshold(op=Op.GE, value=40, unit="years"),
        found=44,
        unit="years",
        anchor=TODAY,
        born=dt.date(1982, 3, 1),
    ),
)
BOTH = Evaluation(
    requirement_id="SC3",
    kind=RequirementKind.ALL_OF,
    text="age and episodes",
    verdict=Verdict.NOT_MET,
    children=[AGE, EPISODES],
)
FACTS = {"F1": FACT, "F2": SPAN}
NEED = Requirement(
    id="SC2",
    kind=RequirementKind.EVENT_COUNT,
    text="at least three episodes of syncope in the past 2 years",
    subject="syncope",
    window=WINDOW,
    count=3,
)
CITATION = Citation(
    kind=CitationKind.POLICY, policy_id=PASSAGE.policy_id, section=PASSAGE.section, label=""
)
LINE = ServiceLine(code="72148", code_system=CodeSystem.CPT, description="MRI lumbar spine")
CODES = [DiagnosisCode(code="M54.16", description="Radiculopathy, lumbar region")]
REQUEST = ServiceIn(code="72148", quantity="1 study", frequency="once", duration="60 days")
SAMPLES: dict[tuple[str, str], dict[str, object]] = {
    ("appeal", "also_cites"): {"text": "Point text.", "citations": [CITATION]},
    ("appeal", "closing"): {
        "exception": False,
        "consideration": False,
        "patient": False,
        "service": "MRI lumbar spine (CPT 72148)",
        "all_met": True,
        "records": True,
        "plan_type": "erisa",
    },
    ("appeal", "consideration"): {
        "criterion": "The drug is investigational for this use.",
        "patient": False,
        "facts": [FACT, SPAN],
        "trial": True,
        "plan_type": "commercial",
        "enclosures": [1],
    },
    ("appeal", "denial_citation"): {"guideline": "InterQual", "criterion": "SC1"},
    ("appeal", "denial_copy"): {"date": TODAY},
    ("appeal", "heading"): {"title": "Age", "passage": PASSAGE},
    ("appeal", "model_enclosures"): {"text": "Point text.", "enclosures": [1, 2]},
    ("appeal", "model_policy"): {"text": "Point text.", "citations": [CITATION]},
    ("appeal", "opening"): {
        "exception": False,
        "consideration": False,
        "patient": False,
        "service": "MRI lumbar spine (CPT 72148)",
        "denial_date": TODAY,
        "category": "medical_necessity",
        "guideline": "InterQual",
        "stated": 2,
        "answered": 2,
        "all_met": True,
    },
    ("appeal", "point"): {
        "criterion": "Six weeks of conservative care.",
        "listed": True,
        "policy_id": None,
        "evaluation": BOTH,
        "facts": FACTS,
        "source": "guideline",
        "same_policy": [PASSAGE],
        "enclosures": [1, 2],
    },
    ("appeal", "recipient"): {
        "payer": "Northwind Health",
        "reviewer": "EviCore",
        "address": "PO Box 1",
        "fax": "555-0100",
    },
    ("appeal", "service_lines"): {"lines": [LINE, LINE.model_copy(update={"description": ""})]},
    ("appeal", "subject"): {"strategy": "appeal", "service": ""},
    ("common", "coded"): {"items": [{"text": "Lumbar radiculopathy", "codes": ["M54.16"]}]},
    ("common", "dates"): {"first": dt.date(2026, 1, 5), "last": TODAY},
    ("common", "diagnoses"): {"codes": CODES},
    ("common", "enclosure"): {"source": "Progress note", "date": TODAY},
    ("common", "letterhead"): {
        "name": "Riverside Clinic",
        "address": "12 Elm Street",
        "phone": "555-010-3000",
        "fax": None,
    },
    ("common", "placeholder"): {"what": "member_id"},
    ("common", "policy_citation"): {"passage": PASSAGE},
    ("necessity", "attestation"): {},
    ("necessity", "billing_codes"): {"line": LINE, "codes": CODES},
    ("necessity", "closing"): {
        "purpose": "with_appeal",
        "line": LINE,
        "service": REQUEST,
        "contact": "555-010-3000",
    },
    ("necessity", "enclosure"): {"signer": "Helen Park", "date": TODAY},
    ("necessity", "heading"): {"title": "", "passage": PASSAGE},
    ("necessity", "no_upgrade"): {},
    ("necessity", "opening"): {
        "patient": "Ana Reyes",
        "credentials": "MD",
        "purpose": "prior_authorization",
        "line": LINE,
        "codes": CODES,
        "service": REQUEST,
        "policy_id": PASSAGE.policy_id,
        "all_met": True,
    },
    ("necessity", "point"): {
        "policy_id": PASSAGE.policy_id,
        "pieces": [],
        "items": [("a", "Six weeks of care."), ("b", "Failed.")],
        "evaluation": AGE,
        "facts": FACTS,
        "enclosures": [1],
    },
    ("necessity", "purpose"): {"purpose": "continuation_of_care"},
    ("necessity", "quantity"): {"service": REQUEST},
    ("necessity", "recipient"): {"purpose": "prior_authorization", "payer": None},
    ("necessity", "section"): {
        "groups": [
            {"facts": [FACT, SPAN], "missing": "goals"},
            {"facts": [], "missing": "progress"},
        ]
    },
    ("necessity", "service_line"): {"line": LINE},
    ("necessity", "subject"): {"line": LINE},
}
SAMPLES.update(
    {
        ("document", "running_header"): {
            "patient": "Dana Whitfield",
            "member_label": "Member ID",
            "member": "NWH448812",
        },
        ("document", "page_label"): {"number": 1, "total": 2},
        ("document", "valediction"): {},
        ("document", "signer_lines"): {
            "signer": Signer(name="Maria Lopez", credentials="MD", npi="1234567893", fax="555-1")
        },
        ("document", "enclosures_heading"): {},
        ("document", "points_heading"): {"letter_type": "necessity_procedure"},
        ("document", "cover_title"): {},
        ("document", "cover_label"): {"field": "to_fax"},
        ("document", "cover_regarding"): {"letter_type": "appeal"},
        ("document", "cover_pages"): {"count": 3},
        ("document", "cover_notice"): {},
    }
)
SAMPLES.update(
    {
        ("criteria", "heading"): {"e": BOTH},
        ("criteria", "shown"): {"e": BOTH, "facts": FACTS, "source": "denial"},
        ("criteria", "held"): {
            "criterion": "at least three episodes of syncope in the past 2 years",
            "e": EPISODES,
            "facts": FACTS,
            "source": "policy",
        },
        ("needs", "need"): {"req": NEED},
        ("report", "claims_gap"): {"number": 2, "criterion": "Six weeks of care."},
        ("report", "consideration_not_allowed"): {"number": 1, "answers": "SC1"},
        ("report", "missing_evidence"): {"number": 1, "decisive": ["F1", "F2"]},
        ("report", "unanswered"): {"criterion": "Six weeks of care."},
        ("report", "unread"): {"requirement": "An exam must show weakness."},
        ("report", "undocumented"): {"criterion": "Six weeks of care.", "need": "a PT note"},
        ("report", "unknown_criterion"): {"number": 1, "answers": "SC9"},
        ("report", "not_binding"): {"why": "plan_rule"},
    }
)
MULTILINE = {("appeal", "recipient"), ("common", "letterhead"), ("document", "signer_lines")}


def test_every_macro_the_code_calls_exists_with_the_values_it_is_given():
    for (partial, macro), names in _calls().items():
        module = wording.partials().get_template(f"partials/{partial}.j2").module
        assert hasattr(module, macro), f"partials/{partial}.j2 has no macro {macro}"
        assert set(getattr(module, macro).arguments) == names, (partial, macro)


def test_every_called_macro_renders_its_sample_cleanly():
    assert set(SAMPLES) == set(_calls()), "keep a sample for every macro the code calls"
    for (partial, macro), values in SAMPLES.items():
        text = wording.phrase(partial, macro, **values)
        where = f"{partial}.{macro}: {text!r}"
        assert text and text == text.strip(), where
        assert "  " not in text and ("\n" not in text or (partial, macro) in MULTILINE), where
        assert not re.search(r"\s[.,;)]", text), where


def test_a_missing_value_is_an_error_not_a_blank():
    with pytest.raises(TypeError):
        wording.phrase("common", "placeholder", label="member_id")
    with pytest.raises(jinja2.UndefinedError, match="no_such_key"):
        wording.phrase("common", "placeholder", what="no_such_key")


def test_every_label_the_specs_and_templates_address_is_in_the_label_table():
    labels = set(wording.words("common")["labels"].values())
    named = set()
    for spec in wording.TEMPLATES_DIR.glob("*.elements.yaml"):
        for element in yaml.safe_load(spec.read_text(encoding="utf-8"))["elements"]:
            for where in [element.get("where", ""), *element.get("any_of", [])]:
                if where.startswith("identifiers."):
                    named.add(where.removeprefix("identifiers."))
    for template in wording.TEMPLATES_DIR.glob("*.txt.j2"):
        named |= set(re.findall(r'identifiers\["([^"]+)"\]', template.read_text(encoding="utf-8")))
    assert named and named <= labels, named - labels


# --- (c) QA changes wording in templates only --------------------------------------------------


@pytest.fixture
def reworded(tmp_path, monkeypatch):
    """A copy of templates/ that the partials render from; a test edits its wording."""
    folder = tmp_path / "templates"
    shutil.copytree(wording.TEMPLATES_DIR, folder)
    monkeypatch.setattr(wording, "TEMPLATES_DIR", folder)
    wording.partials.cache_clear()
    yield folder
    wording.partials.cache_clear()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _appeal_letter() -> str:
    from test_letter import _draft  # the hand-built lumbar MRI case, composed and rendered

    letter, _, _ = _draft()
    return letter.text


def test_a_sentence_changed_in_a_partial_changes_the_letter(reworded):
    before = _appeal_letter()
    assert "In light of the enclosed record" in before or "Because the enclosed record" in before
    partials = reworded / "partials"
    _edit(partials / "appeal.j2", "In light of the enclosed record,", "Given the enclosed record,")
    _edit(
        partials / "appeal.j2",
        "Because the enclosed record meets each criterion set out above,",
        "As the enclosed record documents each requirement,",
    )
    _edit(partials / "appeal.j2", "Your letter lists: ", "Your letter names: ")
    _edit(partials / "criteria.yaml", "the criterion requires", "the criterion asks for")
    _edit(partials / "appeal.yaml", "as not medically necessary", "as not needed")
    _edit(partials / "common.yaml", "Member ID", "Member number")
    wording.partials.cache_clear()  # the wording tables are read once per process
    after = _appeal_letter()
    assert after != before
    assert "Given the enclosed record," in after or "As the enclosed record documents" in after
    assert "In light of the enclosed record" not in after
    assert "Your letter names: \u201c" in after and "Your letter lists: " not in after
    assert "the criterion asks for at least" in after
    assert "denied it as not needed." in after
    assert "Member number: " in after and "Member ID" not in after


def test_the_letter_of_medical_necessity_rewords_from_its_partial(reworded):
    from test_necessity import TMJ, draft

    assert "I attest that I am the treating provider" in draft(TMJ).text
    _edit(reworded / "partials" / "necessity.j2", "I attest that", "I certify that")
    assert "I certify that I am the treating provider" in draft(TMJ).text


@pytest.mark.parametrize(
    ("source", "mid_sentence"),
    [
        ("Progress note", "progress note"),
        ("Oral surgery consultation", "oral surgery consultation"),
        ("MRI report", "MRI report"),
        ("Westfield Plastic Surgery - Consultation", "Westfield Plastic Surgery - Consultation"),
        ("SLEEP DISORDERS CENTER", "SLEEP DISORDERS CENTER"),
    ],
)
def test_a_document_name_mid_sentence_keeps_acronyms_and_proper_names(source, mid_sentence):
    assert doc_name(source) == mid_sentence
