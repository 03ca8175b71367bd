"""One settings schema; every other copy of a default or a bound agrees with it.

server/tracefix/settings_schema.py is the owner. package.json, the client's
defaults block and the README tables are written from it by tools/settings_gen.py;
config.py takes its defaults and bounds from it; the CLI help and lsp/settings.py
are checked here. Any disagreement fails a test below.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from tracefix import settings_schema as schema
from tracefix.cli import build_parser
from tracefix.config import LLMSettings, Settings
from tracefix.lsp import settings as lsp_settings

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("settings_gen", ROOT / "tools" / "settings_gen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _generator()


def test_package_json_client_defaults_and_readme_are_what_the_schema_makes():
    assert gen.stale(gen.load_schema()) == [], "run `make settings` (tools/settings_gen.py)"


def test_the_check_sees_a_changed_default_in_every_generated_copy(tmp_path):
    # A copy of the schema with one default changed must make all three copies stale;
    # otherwise the test above could pass whatever the files say.
    changed = tmp_path / "settings_schema.py"
    changed.write_text((ROOT / "server/tracefix/settings_schema.py").read_text().replace(
        'Setting("maxTests", "max_tests", "integer", 300,', 'Setting("maxTests", "max_tests", "integer", 301,'))
    for path in (gen.PACKAGE_JSON, gen.SETTINGS_TS, gen.README):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    assert sorted(gen.stale(gen.load_schema(changed), tmp_path)) == sorted(
        [gen.PACKAGE_JSON, gen.SETTINGS_TS, gen.README])


def _owner_fields(owner: str, cls) -> None:
    assert {s.field for s in schema.of(owner)} == {f.name for f in dataclasses.fields(cls)
                                                   if f.name != "llm"}, f"{cls.__name__} fields vs schema"
    defaults = cls()
    for s in schema.of(owner):
        value = getattr(defaults, s.field)
        assert value == s.default, s.key
        python_type = {"string": str, "number": float, "integer": int, "boolean": bool, "array": tuple}[s.type]
        assert type(value) is python_type, f"{s.key}: {type(value).__name__}, schema says {s.type}"


def test_server_dataclasses_hold_exactly_the_schema_settings_and_defaults():
    _owner_fields("engine", Settings)
    _owner_fields("llm", LLMSettings)


def _send(s: schema.Setting, value):
    if s.owner == "llm":
        return Settings.from_mapping({"llm": {s.name: value}})
    return Settings.from_mapping({s.key: value})


@pytest.mark.parametrize("setting", [s for s in schema.SETTINGS if s.minimum is not None], ids=lambda s: s.key)
def test_the_server_accepts_each_bound_and_refuses_just_outside_it(setting):
    step = 1 if setting.type == "integer" else 0.01
    for inside in (setting.minimum, setting.maximum):
        assert _send(setting, inside)[1] == [], (setting.key, inside)
    for outside in (setting.minimum - step, setting.maximum + step):
        settings, problems = _send(setting, outside)
        assert len(problems) == 1 and setting.name in problems[0], (setting.key, outside, problems)


@pytest.mark.parametrize("setting", [s for s in schema.SETTINGS if s.owner in ("engine", "llm")], ids=lambda s: s.key)
def test_the_server_knows_every_key_the_schema_names(setting):
    assert not any("unknown setting" in p for p in _send(setting, setting.default)[1])


def test_run_on_choices_come_from_the_schema():
    for choice in schema.get("runOn").enum:
        assert Settings.from_mapping({"runOn": choice}) == (dataclasses.replace(Settings(), run_on=choice), [])
    assert Settings.from_mapping({"runOn": "always"})[1]


def test_lsp_settings_agree_with_the_schema():
    editor = schema.of("editor")
    assert lsp_settings._EDITOR_KEYS == {s.key: s.field for s in editor}
    assert {f.name: f.default for f in dataclasses.fields(lsp_settings.EditorSettings)} == {
        s.field: s.default for s in editor}
    assert set(lsp_settings.CLIENT_ONLY) == {s.key.split(".")[0] for s in schema.of("client")}
    # The editor keys are split off before the engine sees them: no "unknown setting" for any.
    scoped, problems = lsp_settings.parse({s.key: s.default for s in editor} | {"trace": {"server": "off"}})
    assert problems == [] and scoped.editor == lsp_settings.EditorSettings()


def test_cli_help_states_the_schema_range_and_default():
    debug = next(a for a in build_parser()._subparsers._group_actions[0].choices.values() if a.prog.endswith("debug"))
    by_flag = {flag: action for action in debug._actions for flag in action.option_strings}
    checked = 0
    for s in schema.SETTINGS:
        if not s.cli or not (s.minimum is not None or (s.type == "string" and s.default)):
            continue  # booleans are flags; empty strings default to the environment or the project
        assert schema.summary(s.key) in by_flag[s.cli].help, (s.cli, by_flag[s.cli].help)
        checked += 1
    assert checked == 5
