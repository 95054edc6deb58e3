"""The print log: who handed out which document, when, in which version. No patient data."""

from __future__ import annotations

import csv
import datetime as dt
import io

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from builder.web.db import PrintRecord, User
from builder.web.deps import admin_user, current_user, get_db, page

router = APIRouter()
COLUMNS = ("at", "account", "kind", "document", "lang", "level", "format", "paper", "large_print",
           "copies", "content_version", "digest", "review_state", "acknowledged", "warnings")
PAGE = 200


def _query(account: str, document: str, lang: str, since: str, until: str) -> Select[PrintRecord]:
    query = select(PrintRecord).order_by(PrintRecord.at.desc(), PrintRecord.id.desc())
    if account:
        query = query.where(PrintRecord.account == account[:64])
    if document:
        query = query.where(PrintRecord.document.contains(document[:120]))
    if lang:
        query = query.where(PrintRecord.lang == lang[:16])
    for value, compare in ((since, PrintRecord.at.__ge__), (until, PrintRecord.at.__lt__)):
        try:
            day = dt.date.fromisoformat(value) if value else None
        except ValueError:
            day = None
        if day is not None:
            moment = dt.datetime.combine(day + dt.timedelta(days=1 if compare == PrintRecord.at.__lt__
                                                            else 0), dt.time())
            query = query.where(compare(moment))
    return query


@router.get("/log")
def log(request: Request, account: str = "", document: str = "", lang: str = "", since: str = "",
        until: str = "", user: User = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    rows = db.scalars(_query(account, document, lang, since, until).limit(PAGE)).all()
    filters = {"account": account[:64], "document": document[:120], "lang": lang[:16],
               "since": since[:10], "until": until[:10]}
    return page(request, "log.html", user=user, rows=rows, filters=filters, limit=PAGE)


@router.get("/log.csv")
def log_csv(account: str = "", document: str = "", lang: str = "", since: str = "", until: str = "",
            user: User = Depends(admin_user), db: Session = Depends(get_db)) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in db.scalars(_query(account, document, lang, since, until)):
        values = [getattr(row, c) for c in COLUMNS]
        # a cell starting with = + - @ would run as a formula in a spreadsheet
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in values])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="print-log.csv"'})
