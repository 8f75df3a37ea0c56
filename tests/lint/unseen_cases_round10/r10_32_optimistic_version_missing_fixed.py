# expect: none
# fixed shape for r10_32: revision becomes SQLAlchemy's version counter, so the UPDATE
#          matches only the revision that was read. A concurrent edit raises StaleDataError,
#          and the editor is asked to retry.
from flask import Blueprint, abort, redirect, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from wiki.extensions import db

bp = Blueprint("pages", __name__)


class Page(db.Model):
    __tablename__ = "pages"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), unique=True, nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    revision = db.Column(db.Integer, nullable=False)

    __mapper_args__ = {"version_id_col": revision}


@bp.post("/pages/<slug>/sections")
def append_section(slug):
    page = db.session.scalars(db.select(Page).filter_by(slug=slug)).one()
    page.body = f"{page.body}\n\n## {request.form['heading']}\n{request.form['text']}"
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        abort(409, description="The page changed while the section was added; reload it and try again.")
    return redirect(url_for("pages.show", slug=slug))
