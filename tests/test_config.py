"""Every setting is documented, and the environment reaches it."""

from __future__ import annotations

from support import REPO

from service.config import Settings, describe


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in describe() if name not in readme]
    assert not missing, f"settings not documented in README.md: {missing}"


def test_every_setting_has_help_text():
    assert all(help_text.strip() for _, _, help_text in describe())


def test_environment_overrides_defaults_with_types():
    s = Settings.from_env({"OVERTURN_MAX_INPUT_BYTES": "1234", "OVERTURN_MODEL": "x/y"})
    assert s.max_input_bytes == 1234 and s.model == "x/y"
    assert Settings.from_env({}).model == ""


def test_secrets_have_no_default_shown():
    shown = {name: default for name, default, _ in describe()}
    assert shown["OVERTURN_SECRET_KEY"] == ""
