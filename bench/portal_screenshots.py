"""Screenshots of the portal's pages (docs/screenshots/portal-*.png) at 1366 and 390 px wide,
taken with Debian chromium through Playwright from a work dir where `greenpark demo` and
`greenpark run` have been run (so the grid has accepted, rejected and late quarters).

    GREENPARK_WORKDIR=/tmp/demo uv run python bench/portal_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright
from portal_browser import PASSWORD, launch, running_portal, submit_login


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    from greenpark.portal import accounts
    from greenpark.portal.store import open_store
    from greenpark.settings import get_settings

    settings = get_settings()
    store = open_store(settings)
    for name, city in (("hangzhou", "330100"), ("province", None)):
        if accounts.get_user(store, name) is None:
            accounts.add_user(store, name, PASSWORD, city_code=city, province=city is None)
    args.out.mkdir(parents=True, exist_ok=True)
    with running_portal() as url:
        with sync_playwright() as p:
            browser = launch(p)

            def shoot(page, name: str) -> None:
                page.screenshot(path=str(args.out / f"portal-{name}.png"), full_page=True)

            wide = browser.new_page(viewport={"width": 1366, "height": 800})
            wide.goto(f"{url}/login")
            shoot(wide, "login-1366")
            submit_login(wide, "hangzhou")
            wide.goto(f"{url}/upload")
            wide.select_option("#year", "2025")
            wide.select_option("#quarter", "2")
            wide.set_input_files("#file", str(settings.inbox_dir / "330100" / "330100_2025Q2.xlsx"))
            wide.click("#send")
            wide.wait_for_url("**/submissions/**", timeout=120_000)
            findings = wide.url.replace(url, "")
            shoot(wide, "findings-1366")
            wide.goto(f"{url}/")
            shoot(wide, "dashboard-1366")
            wide.goto(f"{url}/grid")
            shoot(wide, "grid-1366")
            narrow = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            narrow.context.add_cookies(wide.context.cookies())
            for path, name in (("/upload", "upload-390"), (findings, "findings-390"), ("/grid", "grid-390")):
                narrow.goto(f"{url}{path}")
                shoot(narrow, name)
            province = browser.new_page(viewport={"width": 1366, "height": 800})
            province.goto(f"{url}/login")
            submit_login(province, "province")
            province.wait_for_url(f"{url}/")
            shoot(province, "province-1366")
            browser.close()
    print("\n".join(sorted(str(p) for p in args.out.glob("portal-*.png"))))


if __name__ == "__main__":
    main()
