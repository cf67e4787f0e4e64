"""The JSON API for a city's own systems: the same door, rules and authorization as the pages,
with a revocable API token (Authorization: Bearer) instead of a session; no cookies, so no CSRF."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from . import accounts, views
from .web import (
    API,
    check,
    feedback_response,
    portal_of,
    receive_upload,
    remote,
    scope,
    token_user,
)

router = APIRouter(prefix=API)

_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "year": {"type": "integer", "description": "报送年份;缺省时取自文件名 城市代码_年份Q季度"},
        "quarter": {"type": "integer", "minimum": 1, "maximum": 4}}}}}}}


@router.post("/submissions", status_code=201, summary="上传一个季度工作簿", openapi_extra=_UPLOAD_BODY,
             responses={201: {"description": "已归档并完成审核:版本号与 `greenpark validate --json` 相同的 JSON"},
                        202: {"description": "已归档,数据仓库正被流水线占用,审核排队中"},
                        401: {"description": "缺少或无效的令牌"}, 413: {"description": "文件超过上限"}})
async def upload(request: Request):
    portal = portal_of(request)
    user = token_user(request)
    accepted = await receive_upload(request, user, csrf=None)
    accounts.audit(portal.store, user.name, "api_upload", f"{accepted.drop_name} sha256:{accepted.sha256[:12]}",
                   "archived", remote(request))
    checked = await check(portal, accepted)
    if checked.queued:
        return JSONResponse({"upload_id": checked.id, "status": "排队中", "poll": f"{API}/uploads/{checked.id}"},
                            status_code=202)
    return JSONResponse({"version_id": checked.version_id, "upload_id": checked.id, **checked.payload}, status_code=201)


@router.get("/uploads/{upload_id}", summary="排队中的上传:审核完成后给出版本号与反馈")
def upload_status(request: Request, upload_id: int):
    user = token_user(request)
    upload = portal_of(request).door.upload(upload_id)
    if upload is None or not user.may_read(upload.city_code):
        raise HTTPException(404, "没有这次上传")
    if upload.queued:
        return JSONResponse({"upload_id": upload.id, "status": "排队中"}, status_code=202)
    return {"version_id": upload.version_id, "upload_id": upload.id, **upload.payload}


def _plain(key: str, value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.isoformat()
    return bool(value) if key == "in_force" else value


@router.get("/submissions", summary="本市的报送版本")
def list_versions(request: Request, city: str | None = None):
    portal = portal_of(request)
    user = token_user(request)
    city = scope(portal, user, city)
    versions = views.city_versions(portal.snapshot(), city, portal.door.statuses(city)).drop(columns="shown")
    return {"city_code": city,
            "versions": [{k: _plain(k, v) for k, v in row.items()} for row in versions.to_dict(orient="records")]}


@router.get("/submissions/{version_id}/feedback.{kind}", summary="一个版本的审核反馈(json / html / xlsx)")
def feedback(request: Request, version_id: str, kind: Literal["json", "html", "xlsx"]):
    return feedback_response(request, token_user(request), version_id, kind, "api_download")
