"""Fixtures of the portal tests: an in-process app (TestClient) for the route-by-route security
checks, and one real `greenpark portal` process for the browser, the limits and the burst."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.workdirs import isolate_workdir
from portal_fixtures import Accounts, PortalProcess, make_accounts


@pytest.fixture(scope="module")
def portal_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("portal")


@pytest.fixture(scope="module")
def app_client(portal_workdir):
    """(TestClient, Accounts, settings) on a private work dir; no warm-up (no upload here needs GX)."""
    from fastapi.testclient import TestClient
    from greenpark.portal.app import create_app
    from greenpark.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        isolate_workdir(mp, portal_workdir, today="2025-08-10")
        settings = get_settings()
        app = create_app(settings, warm=False)
        accounts = make_accounts(app.state.portal.store)
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
            yield client, accounts, app


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory) -> tuple[PortalProcess, Accounts]:
    workdir = tmp_path_factory.mktemp("portal_live")
    from greenpark.portal.store import Store

    accounts = make_accounts(Store(workdir / "data" / "portal.sqlite3"))
    portal = PortalProcess(workdir, env={"GREENPARK_TODAY": "2025-08-10", "GREENPARK_MAX_FILE_MB": "2"})
    yield portal, accounts
    portal.stop()
