"""
The W3C Nu Html Checker (the checker behind validator.w3.org/nu), run over
HTML the tests have rendered:

    errors = nu_errors({"home": home_html, "report": report_html})
    assert errors == {"home": [], "report": []}

All the documents are checked in one run of Java, which takes a second or two
to start: collect every page first, then check them together.

The checker is `vnu.jar` from the npm package vnu-jar, which `make validators`
installs in .venv/validators; VNU_JAR names another copy. It needs Java 17 or
newer on the PATH. Tests take it through the `nu_errors` fixture
(tests/conftest.py), which skips them when either is missing, or fails them
when VALIDATORS_REQUIRED is set (CI).
"""

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTALLED_JAR = PROJECT_DIR / ".venv" / "validators" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Generous: one run checks dozens of pages in a few seconds.
TIMEOUT_SECONDS = 300


class NuCheckerUnavailable(RuntimeError):
    """Java or the checker's jar is not on this machine."""


def vnu_jar():
    return Path(os.environ.get("VNU_JAR") or INSTALLED_JAR)


def unavailable_reason():
    """Why the checker cannot run here, or None if it can."""
    if shutil.which("java") is None:
        return "the Nu Html Checker needs Java 17 or newer, and there is no java on the PATH"
    if not vnu_jar().is_file():
        return f"no Nu Html Checker at {vnu_jar()}: install it with `make validators` (or set VNU_JAR)"
    return None


def nu_errors(documents: Mapping[str, str]) -> dict[str, list[str]]:
    """
    Check each HTML document, {name: html}, and return {name: [error, ...]}
    with every name given: an empty list for a valid document. An error reads
    "line 12, column 5: Bad value “text” for attribute “role” on element
    “span”. [<span role="text">]". Warnings and information are left out.
    """
    reason = unavailable_reason()
    if reason:
        raise NuCheckerUnavailable(reason)
    with tempfile.TemporaryDirectory(prefix="nu-checker-") as folder:
        names_by_file = {}
        for number, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{number:04d}.html"
            path.write_text(html, encoding="utf-8")
            names_by_file[path.name] = name
        if not names_by_file:
            return {}
        result = subprocess.run(  # noqa: S603 - our own arguments, no shell
            [
                "java",
                # The checker's own advice: deeply nested documents need a larger stack.
                "-Xss1024k",
                "-jar",
                str(vnu_jar()),
                "--format",
                "json",
                "--errors-only",
                "--exit-zero-always",
                "--stdout",
                *sorted(str(Path(folder) / file_name) for file_name in names_by_file),
            ],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"the Nu Html Checker failed ({result.returncode}): {result.stderr or result.stdout}")
        messages = json.loads(result.stdout)["messages"]

    errors = {name: [] for name in documents}
    for message in messages:
        file_name = message.get("url", "").rsplit("/", 1)[-1]
        if message["type"] != "error" or file_name not in names_by_file:
            # A "non-document-error": the checker could not read a file.
            raise RuntimeError(f"the Nu Html Checker could not check a document: {message}")
        errors[names_by_file[file_name]].append(_describe(message))
    return errors


def _describe(message):
    line = message.get("firstLine", message.get("lastLine", "?"))
    where = f"line {line}, column {message.get('firstColumn', message.get('lastColumn', '?'))}"
    extract = message.get("extract", "")
    if extract and "hiliteStart" in message:
        start = message["hiliteStart"]
        extract = extract[start : start + message["hiliteLength"]]
    extract = " ".join(extract.split())
    return f"{where}: {message['message']}" + (f" [{extract}]" if extract else "")
