"""`greenpark users …`: accounts from the command line (password from stdin or generated once)."""

from __future__ import annotations

import json

from click.testing import CliRunner


def test_users_commands(workdir):
    from greenpark.cli import main
    from greenpark.portal import accounts
    from greenpark.portal.store import open_store
    from greenpark.settings import get_settings

    run = CliRunner().invoke
    added = run(main, ["users", "add", "hz", "--city", "330100"], input="from-stdin-secret\n")
    assert added.exit_code == 0, added.output
    assert "初始密码" not in added.output  # the password came from stdin: nothing to print
    generated = run(main, ["users", "add", "prov", "--province"], input="")
    password = generated.output.split(":")[-1].strip()
    assert generated.exit_code == 0 and len(password) >= 12
    assert run(main, ["users", "add", "bad", "--city", "999999"], input="x" * 12).exit_code != 0
    assert run(main, ["users", "add", "both", "--city", "330100", "--province"], input="x" * 12).exit_code != 0
    store = open_store(get_settings())
    assert accounts.verify_password(store, "hz", "from-stdin-secret") is not None
    assert accounts.verify_password(store, "prov", password) is not None
    token = run(main, ["users", "token", "hz"]).output.strip().splitlines()[-1]
    assert accounts.user_for_token(store, token).name == "hz"
    listed = json.loads(run(main, ["users", "list", "--json"]).output)
    assert {(u["name"], u["role"], u["city_code"], u["tokens"]) for u in listed} == {
        ("hz", "city", "330100", 1), ("prov", "province", None, 0)}
    assert "hash" not in json.dumps(listed)
    assert run(main, ["users", "disable", "hz"]).exit_code == 0
    assert accounts.verify_password(store, "hz", "from-stdin-secret") is None
    assert accounts.user_for_token(store, token) is None
    assert run(main, ["users", "reset", "hz"], input="a-new-password-1\n").exit_code == 0
    assert accounts.verify_password(store, "hz", "a-new-password-1") is not None
    assert run(main, ["users", "token", "prov", "--revoke"]).exit_code == 0
