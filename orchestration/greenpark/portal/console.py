"""The province console (省级工作台): for the provincial data team only. Every city's quarters in
one grid (with a drill-down to a city-quarter's versions and findings, and an XLSX export), quality
trends, 催报 reminders, and the 动态管理 decisions recorded with the same functions as the
`greenpark designations` commands.

Every route starts from `province`: a city user gets 403 on every one of them (app.ROUTE_ACCESS
marks them "province"). Every form carries the session's CSRF token; every decision, reminder and
export is written to the audit trail.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..designations import decision_types
from ..intake.warehouse import table_names
from ..management import decisions as mgmt
from ..management.reminders import city_reminder, last_due_quarter, write_json
from ..quality.notify import notify_reminder
from ..registry import load_parks
from . import accounts, overview, views
from .accounts import User
from .web import Portal, portal_of, remote, render, require_csrf, session_user

router = APIRouter(prefix="/console", include_in_schema=False)
FORM_LIMITS = {"max_files": 0, "max_fields": 20, "max_part_size": 4096}
REMINDER_FILE = re.compile(r"^催报_\d{4}年_\d{4}-\d{2}-\d{2}\.(json|html)$")
DECISION_FIELDS = ("park_code", "decision_date", "batch_year", "document_no", "outcome", "reason_category",
                   "reason_text", "inspectors", "findings_text", "corrects_decision_id")


def province(request: Request) -> tuple[Portal, User]:
    """(portal, user) of a console request: province users only."""
    user = session_user(request)
    if not user.is_province:
        raise HTTPException(403, "省级工作台仅限省级用户使用")
    return portal_of(request), user


async def _province_post(request: Request):
    """(portal, user, form) of a console form post: province users only, limits before reading, CSRF checked."""
    portal, user = province(request)
    form = await request.form(**FORM_LIMITS)
    require_csrf(request, form.get("csrf"))
    return portal, user, form


def _read(portal: Portal, read):
    """`read(con)` on the warehouse, or 503 while a pipeline run holds it (overview.read_warehouse)."""
    return overview.read_warehouse(portal.settings, portal.door.warehouse_lock, read)


def _grid(portal, year: int | None):
    """(snapshot, [(year, rows)]): the year asked for, or by default this year and the last."""
    snap = portal.snapshot()
    today = portal.today()
    if year is not None and not 2000 <= year <= today.year:
        raise HTTPException(422, f"年份应在 2000 至 {today.year} 之间")
    cities = portal.city_names()
    years = [year] if year is not None else [today.year, today.year - 1]
    return snap, [(y, overview.city_grid(snap, cities, portal.door.statuses, y, today)) for y in years]


# --- 1. the city × quarter grid ------------------------------------------------------------------
@router.get("")
def console_grid(request: Request, year: int | None = None):
    portal, _ = province(request)
    snap, grids = _grid(portal, year)
    return render(request, "console_grid.html", grids=grids, year=year, today=portal.today(),
                  years=views.grid_years(snap.versions, portal.today(), most=None), counts=overview.kind_counts(grids),
                  legend=overview.LEGEND, stale=snap.stale)


@router.get("/grid.xlsx")
def console_grid_xlsx(request: Request, year: int | None = None):
    portal, user = province(request)
    _, grids = _grid(portal, year)
    body = overview.grid_xlsx(grids, portal.settings.demo_data)
    name = f"各市季度报送情况_{'_'.join(str(y) for y, _ in grids)}.xlsx"
    accounts.audit(portal.store, user.name, "export", name, "ok", remote(request))
    from urllib.parse import quote

    return Response(body, media_type=views.FEEDBACK_KINDS["xlsx"][1],
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/cells/{city}/{year}/{quarter}")
def console_cell(request: Request, city: str, year: int, quarter: int):
    portal, _ = province(request)
    names = portal.city_names()
    if city not in names or quarter not in (1, 2, 3, 4) or not 2000 <= year <= portal.today().year:
        raise HTTPException(404, "没有这个城市或季度")
    snap = portal.snapshot()
    mine = views.city_versions(snap, city, portal.door.statuses(city))
    cell = views.grid(mine, [year], portal.today())[0][quarter - 1]
    versions = mine[(mine.year == year) & (mine.quarter == quarter)].sort_values("version_no")
    records = versions.to_dict(orient="records")
    findings = _read(portal, lambda con: overview.cell_findings(con, [r["version_id"] for r in records]))
    return render(request, "console_cell.html", city=None, city_code=city, city_label=names[city], year=year,
                  quarter=quarter, cell=overview.ConsoleCell(city, names[city], cell), versions=records,
                  findings=findings, limit=overview.FINDINGS_PER_VERSION)


# --- 2. quality trends ---------------------------------------------------------------------------
@router.get("/trends")
def console_trends(request: Request):
    portal, _ = province(request)
    snap = portal.snapshot()
    cities = portal.city_names()
    data = _read(portal, lambda con: overview.trends(con, snap.versions, cities, portal.settings))
    return render(request, "console_trends.html", t=data, stale=snap.stale)


# --- 3. 催报 -------------------------------------------------------------------------------------
def _reminder_form(portal, **ctx):
    snap = portal.snapshot()
    today = portal.today()
    years = views.grid_years(snap.versions, today, most=None)
    ctx.setdefault("year", last_due_quarter(today)[0])
    return {"cities": sorted(portal.city_names().items()), "years": years, **ctx}


@router.get("/reminders")
def console_reminders(request: Request):
    portal, _ = province(request)
    return render(request, "console_reminders.html", **_reminder_form(portal))


@router.post("/reminders")
async def console_remind(request: Request):
    portal, user, form = await _province_post(request)
    names = portal.city_names()
    city = str(form.get("city", ""))
    try:
        year = int(str(form.get("year", "")))
    except ValueError:
        year = 0
    today = portal.today()
    if city not in names or not 2000 <= year <= today.year:
        return render(request, "console_reminders.html", status=422, error="请选择城市和年份",
                      **_reminder_form(portal))
    parks = load_parks(portal.settings)
    parks = [(r.park_code, r.park_name) for r in parks[parks.city_code == city].sort_values("park_code").itertuples()]
    notice = _read(portal, lambda con: city_reminder(con, city, names[city], parks, year, today))
    notice["issued_by"] = user.name
    sent_to = None
    if notice["missing"]:
        stem = f"催报_{year}年_{today.isoformat()}"
        folder = portal.settings.outbox_dir / city
        write_json(folder / f"{stem}.json", notice)
        html = portal.templates.get_template("reminder_notice.html").render(n=notice, demo=portal.settings.demo_data)
        (folder / f"{stem}.html").write_text(html, encoding="utf-8")
        sent_to = notify_reminder(portal.city(city), notice, portal.settings)
        outcome = "sent" if sent_to else "outbox"
    else:
        stem, outcome = None, "nothing_missing"
    accounts.audit(portal.store, user.name, "reminder", f"{city} {year}", outcome, remote(request))
    return render(request, "console_reminders.html", notice=notice, stem=stem, sent_to=sent_to, reminded=city,
                  **_reminder_form(portal, year=year))


@router.get("/reminders/{city}/{name}")
def console_reminder_file(request: Request, city: str, name: str):
    portal, user = province(request)
    if city not in portal.city_names() or not REMINDER_FILE.match(name):
        raise HTTPException(404, "没有这份催报")
    path = portal.settings.outbox_dir / city / name
    if not path.is_file():
        raise HTTPException(404, "没有这份催报")
    accounts.audit(portal.store, user.name, "download", f"{city}/{name}", "ok", remote(request))
    kind = "json" if name.endswith(".json") else "html"
    return FileResponse(path, media_type=views.FEEDBACK_KINDS[kind][1], filename=name,
                        content_disposition_type="attachment")


# --- 5. 动态管理 decisions -------------------------------------------------------------------------
def _decisions_page(request: Request, status: int = 200, **ctx):
    portal = portal_of(request)
    park = request.query_params.get("park") or None
    parks = load_parks(portal.settings).sort_values(["city_code", "park_code"])
    types = decision_types(portal.settings.dbt_project_dir / "seeds")

    def read(con):
        if con is None or "park_decisions" not in table_names(con):
            return []
        return mgmt.as_records(mgmt.listing(con, types, park_code=park, include_corrected=True))

    try:
        rows, unreadable = _read(portal, read), None
    except HTTPException as exc:  # a run holds the warehouse: the forms, and what was typed, still show
        if exc.status_code != 503:
            raise
        rows, unreadable = [], exc.detail
    names = dict(zip(parks.park_code, parks.park_name))
    return render(request, "console_decisions.html", status=status, rows=rows[::-1], park=park, park_names=names,
                  parks=list(parks[["park_code", "park_name", "city_name"]].itertuples(index=False)),
                  types=types, reasons=mgmt.REVOCATION_REASONS, review_outcomes=mgmt.REVIEW_OUTCOMES,
                  inspection_outcomes=mgmt.INSPECTION_OUTCOMES, today=portal.today(),
                  recorded=request.query_params.get("recorded"), unreadable=unreadable, **ctx)


@router.get("/decisions")
def console_decisions(request: Request):
    province(request)
    return _decisions_page(request)


def _int(value, what: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise mgmt.DecisionError(f"{what}“{text[:20]}”应为整数")
    return int(text)


@router.post("/decisions")
async def console_record(request: Request):
    portal, user, form = await _province_post(request)
    fields = {k: str(form.get(k, "")) for k in ("decision_type", *DECISION_FIELDS)}
    kind = fields["decision_type"]
    target = f"{fields['park_code'][:20]} {kind[:20]}"
    try:
        if kind not in decision_types(portal.settings.dbt_project_dir / "seeds"):
            raise mgmt.DecisionError("请选择决定类型")
        decision = mgmt.Decision(
            park_code=fields["park_code"], decision_type=kind, decision_date=mgmt.parse_date(fields["decision_date"]),
            recorded_by=user.name, batch_year=_int(fields["batch_year"], "认定批次年份"),
            document_no=fields["document_no"] or None, outcome=fields["outcome"] or None,
            reason_category=fields["reason_category"] or None, reason_text=fields["reason_text"] or None,
            inspectors=[n for n in re.split(r"[、,,;;\s]+", fields["inspectors"]) if n],
            findings_text=fields["findings_text"] or None,
            corrects_decision_id=_int(fields["corrects_decision_id"], "更正的记录编号"))
        row = await run_in_threadpool(mgmt.record_for, portal.settings, decision, today=portal.today(),
                                      guard=portal.door.warehouse_lock)
    except mgmt.DecisionError as exc:
        accounts.audit(portal.store, user.name, "decision", target, "refused", remote(request))
        return await run_in_threadpool(_decisions_page, request, status=422, error=str(exc), form=fields)
    except mgmt.DecisionBusy as exc:  # the page's own read waits for the warehouse too: off the event loop
        accounts.audit(portal.store, user.name, "decision", target, "busy", remote(request))
        return await run_in_threadpool(_decisions_page, request, status=503, error=str(exc), form=fields)
    accounts.audit(portal.store, user.name, "decision", f"#{row['decision_id']} {row['park_code']} {kind}", "ok",
                   remote(request))
    return RedirectResponse(f"/console/decisions?recorded={row['decision_id']}", status_code=303)
