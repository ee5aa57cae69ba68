"""The docs keep up with the code: every scenario key is described in
docs/scenario.md, and the README's commands exist."""

from __future__ import annotations

import re

from pydantic import BaseModel

from capaciteit import scenario

from .conftest import ROOT


def _fields(model: type[BaseModel], seen: set) -> set[str]:
    names = set()
    for name, f in model.model_fields.items():
        if name in ("source_file", "content_hash"):
            continue
        names.add(f.alias or name)
        for sub in re.findall(r"capaciteit\.scenario\.(?:\w+\.)*(\w+)", repr(f.annotation)):
            cls = getattr(scenario, sub, None)
            if isinstance(cls, type) and issubclass(cls, BaseModel) and cls not in seen:
                seen.add(cls)
                names |= _fields(cls, seen)
    return names


def test_every_scenario_key_is_documented():
    doc = (ROOT / "docs" / "scenario.md").read_text()
    keys = _fields(scenario.Scenario, set())
    assert {"capacity", "when_full", "pre_trial_days", "share_of_sentence"} <= keys
    forms = ("`{}`", "`[{}]`", "`[[{}]]`", "`[{}.")
    missing = sorted(k for k in keys if not any(f.format(k) in doc for f in forms))
    assert not missing, f"keys missing from docs/scenario.md: {missing}"


def test_readme_has_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make forecast" in readme and "make test" in readme
    make = (ROOT / "Makefile").read_text()
    assert re.search(r"^forecast:", make, re.M) and re.search(r"^test:", make, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
