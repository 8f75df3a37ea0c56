# expect: missing-lock
# pattern: a wiki page is loaded, a section is appended in Python and the whole body is
#          written back. Two editors appending at once lose one of the sections.
from flask import Blueprint, redirect, request, url_for

from wiki.extensions import db

bp = Blueprint("pages", __name__)


class Page(db.Model):
    __tablename__ = "pages"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), unique=True, nullable=False)
    body = db.Column(db.Text, nullable=False, default="")
    revision = db.Column(db.Integer, nullable=False)


@bp.post("/pages/<slug>/sections")
def append_section(slug):
    page = db.session.scalars(db.select(Page).filter_by(slug=slug)).one()  # expect-line
    page.body = f"{page.body}\n\n## {request.form['heading']}\n{request.form['text']}"
    db.session.commit()
    return redirect(url_for("pages.show", slug=slug))
