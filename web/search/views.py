from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from matchmaker import runtime, taxonomy
from matchmaker.search import query as search_query
from web import db
from web.search import bp


@bp.route("/search")
def search() -> str:
    text = (request.args.get("q") or "").strip()
    kind = (
        request.args.get("kind")
        if request.args.get("kind") in ("achievement", "need")
        else "achievement"
    )
    field = request.args.get("field") if request.args.get("field") in taxonomy.FIELDS else None
    region = request.args.get("region") if request.args.get("region") in taxonomy.REGIONS else None
    mode = (
        request.args.get("mode") if request.args.get("mode") in taxonomy.COOPERATION_MODES else None
    )
    trl = request.args.get("trl", type=int)
    trl = trl if trl in taxonomy.TRL_LEVELS and kind == "achievement" else None
    outcome = None
    if text:
        viewer = current_user if current_user.is_authenticated else None
        outcome = search_query.search(
            db.session(),
            runtime.search_engine(),
            viewer,
            kind,
            text,
            facets={
                "field": field,
                "region": region,
                "modes": mode,
                # "at least this mature": any level from the chosen one up
                "trl": list(range(trl, 10)) if trl else None,
            },
        )
    return render_template(
        "search/search.html",
        q=text,
        kind=kind,
        field=field,
        region=region,
        mode=mode,
        trl=trl,
        modes=taxonomy.COOPERATION_MODES,
        trl_levels=taxonomy.TRL_LEVELS,
        outcome=outcome,
        fields=taxonomy.FIELDS,
        regions=taxonomy.REGIONS,
    )
