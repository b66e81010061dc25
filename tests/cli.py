"""The secretariat's commands run in-process, as `python -m bot GROUP ...` would be."""
from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import main
from storage.fees import find_payer, payments_of


def command(group: str):
    """(run, run_json) for one command group: run checks the exit status, run_json parses --json."""
    def run(env, *args, ok=True):
        result = CliRunner().invoke(main, [group, *map(str, args)], env=env, catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    def run_json(env, *args, ok=True):
        return json.loads(run(env, *args, "--json", ok=ok).stdout)

    return run, run_json


def roster_imported(env, path, *args) -> dict:
    """The report of `members import PATH --skip-bad-rows --json`: a roster as a secretary imports it, the rows
    that cannot be imported set aside."""
    return command("members")[1](env, "import", path, "--skip-bad-rows", *args)


def statement_imported(env, path, *args) -> dict:
    """The report of `fees import PATH --json`: a bank's or a payment app's statement imported."""
    return command("fees")[1](env, "import", path, *args)


def booked(db, number) -> list[float]:
    """The amounts recorded as paid by the member or unit of this number, oldest first."""
    return [p["amount"] for p in payments_of(db, find_payer(db, number))]
