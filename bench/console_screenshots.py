"""Screenshots of the province console (docs/screenshots/console-*.png), one per screen at 1366
and 390 px wide, taken with Debian chromium through Playwright from a work dir where `./run.sh`'s
demo steps have run (greenpark demo, run, demo --resubmit, run), so the grid has every kind of cell.
The 催报 screen is shot after generating a reminder for 杭州市 (it writes to that city's outbox).

    GREENPARK_WORKDIR=/tmp/demo GREENPARK_TODAY=2026-08-10 uv run python bench/console_screenshots.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright
from portal_browser import PASSWORD, launch, running_portal, submit_login

SCREENS = (("grid", "/console"), ("cell", "/console/cells/330100/2025/2"), ("trends", "/console/trends"),
           ("decisions", "/console/decisions"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    from greenpark.portal import accounts
    from greenpark.portal.store import open_store
    from greenpark.settings import get_settings

    store = open_store(get_settings())
    if accounts.get_user(store, "province") is None:
        accounts.add_user(store, "province", PASSWORD, city_code=None, province=True)
    args.out.mkdir(parents=True, exist_ok=True)
    with running_portal() as url:
        with sync_playwright() as p:
            browser = launch(p)
            wide = browser.new_page(viewport={"width": 1366, "height": 800})
            wide.goto(f"{url}/login")
            submit_login(wide, "province")
            wide.wait_for_url(f"{url}/")
            narrow = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=1)
            narrow.context.add_cookies(wide.context.cookies())
            for page, width in ((wide, 1366), (narrow, 390)):
                for name, path in SCREENS:
                    page.goto(f"{url}{path}")
                    if name == "decisions":  # one form open, as a clerk sees it while recording
                        page.click("#form-revocation summary")
                    page.screenshot(path=str(args.out / f"console-{name}-{width}.png"), full_page=True)
                page.goto(f"{url}/console/reminders")
                page.select_option("select[name=city]", "330100")
                page.select_option("select[name=year]", "2026")
                page.click("form[action='/console/reminders'] button[type=submit]")
                page.wait_for_selector("#notice")
                page.screenshot(path=str(args.out / f"console-reminders-{width}.png"), full_page=True)
            browser.close()
    print("\n".join(sorted(str(p) for p in args.out.glob("console-*.png"))))


if __name__ == "__main__":
    main()
