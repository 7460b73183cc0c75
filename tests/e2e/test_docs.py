"""The manual pages agree with the programs and pass mandoc's lint."""
import re
import subprocess

import pytest

from conftest import ROOT, prog

PROGRAMS = [p for p in ("ws-broadcast", "ws-listen", "ws-snapshot")
            if (ROOT / p).exists()]


def long_options_in_help(name):
    out = subprocess.run([prog(name), "--help"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0
    return set(re.findall(r"--([a-z][a-z0-9-]*)", out.stdout))


def long_options_in_synopsis(name):
    page = (ROOT / "man" / f"{name}.1").read_text()
    synopsis = page.split(".Sh SYNOPSIS", 1)[1].split(".Sh ", 1)[0]
    return set(re.findall(r"Fl -([a-z][a-z0-9-]*)", synopsis))


@pytest.mark.parametrize("name", PROGRAMS)
def test_help_and_synopsis_list_the_same_long_options(name):
    assert long_options_in_help(name) == long_options_in_synopsis(name)


@pytest.mark.parametrize("name", PROGRAMS)
def test_every_synopsis_option_is_described(name):
    page = (ROOT / "man" / f"{name}.1").read_text()
    body = page.split(".Sh DESCRIPTION", 1)[1]
    for opt in long_options_in_synopsis(name):
        assert re.search(rf"\.It Fl .*-{opt}\b", body) or \
            re.search(rf"\.It Fl -{opt}\b", body), opt


def test_pages_pass_mandoc_lint():
    pages = sorted(str(p) for p in (ROOT / "man").glob("*.[17]"))
    assert pages
    out = subprocess.run(["mandoc", "-Tlint", "-W", "warning"] + pages,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
