"""Every page template compiles: the app compiles them all in a thread at start-up (so no first
request of a page pays for it), and one that does not compile is named in the log."""

from __future__ import annotations

import logging

import jinja2

from lab.app import _compile_templates, _templates
from lab.runtime import packages


def test_every_template_compiles_at_start_up_and_a_broken_one_is_named(caplog):
    env = _templates(packages()).env
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    assert len(names) > 20 and env.cache is not None and len(env.cache) == 0
    with caplog.at_level(logging.ERROR, logger="lab.app"):
        _compile_templates(env)
    assert not caplog.records
    assert len(env.cache) == len(names)  # every page's template is compiled and kept

    bad = jinja2.Environment(loader=jinja2.DictLoader({"ok.html": "{{ 1 }}", "bad.html": "{% if %}"}))
    with caplog.at_level(logging.ERROR, logger="lab.app"):
        _compile_templates(bad)
    assert [r.args for r in caplog.records] == [("bad.html",)]
