"""Viewpoint cards: each factor in plain language, in bokmål or English, for everyone on the team.

A card has no numbers (they are behind "Details"), uses headings and lists so that a screen reader
can move through it, and prints one card per page (print CSS hides the app around it; a page break
before every card but the first, so no blank page after the last), each printed card with the
study's title and the date in a small footer.
"""
from __future__ import annotations

import datetime

import streamlit as st

from qmethod.service import interpretation as it
from qmethod.ui import flow
from qmethod.ui.components.page_lang import page_lang
from qmethod.ui.pages.researcher.interpret_common import LANG_NAMES, choose_analysis, load_view
from qmethod.ui.researcher import plots
from qmethod.ui.researcher.auth import gate, run
from qmethod.ui.text import escape_html, table_html

T = {
    "nb": {"title": "Synspunkter", "intro": "Hvert kort viser ett synspunkt som flere deltakere deler, med vanlige "
           "ord. Skriv ut med nettleserens utskrift (Ctrl+P): ett kort per side.",
           "unnamed": "Synspunkt {f} (uten navn ennå)", "people": "{n} deltakere deler dette synet tydelig.",
           "opposite": "{n} til sorterte nesten omvendt: de har det motsatte synet, og ordene deres er ikke med her.",
           "agree": "Folk som deler dette synet, er mest enige i", "disagree": "… og mest uenige i",
           "apart": "Det som skiller dette synet fra de andre", "more": "legger mer vekt på", "less": "legger mindre vekt på",
           "none_apart": "Ingen utsagn skiller seg tydelig ut fra de andre synspunktene.",
           "words": "Med deltakernes egne ord", "details": "Detaljer (tall for den som vil se dem)",
           "details_note": "Kolonne: plassen i den samlede sorteringen (−4 til +4). z: faktorskåren.",
           "language": "Språk", "printed": "skrevet ut",
           "from": {"name": "Navnet er ikke skrevet på bokmål ennå; det står her på {lang}.",
                    "summary": "Oppsummeringen er ikke skrevet på bokmål ennå; den står her på {lang}.",
                    "both": "Navnet og oppsummeringen er ikke skrevet på bokmål ennå; de står her på {lang}."},
           "langs": {"nb": "bokmål", "en": "engelsk"}},
    "en": {"title": "Viewpoints", "intro": "Each card shows one viewpoint that several participants share, in plain "
           "words. Print with the browser's print (Ctrl+P): one card per page.",
           "unnamed": "Viewpoint {f} (not named yet)", "people": "{n} participants clearly share this view.",
           "opposite": "{n} more sorted almost the other way round: they hold the opposite view, and their words "
                       "are not used here.",
           "agree": "People who share this view agree most with", "disagree": "… and disagree most with",
           "apart": "What sets this view apart from the others", "more": "give more weight to",
           "less": "give less weight to", "none_apart": "No statement sets this view clearly apart from the others.",
           "words": "In the participants' own words", "details": "Details (numbers, for those who want them)",
           "details_note": "Column: the place in the composite sort (−4 to +4). z: the factor score.",
           "language": "Language", "printed": "printed",
           "from": {"name": "The name has not been written in English yet; it is shown in {lang}.",
                    "summary": "The summary has not been written in English yet; it is shown in {lang}.",
                    "both": "The name and summary have not been written in English yet; they are shown in {lang}."},
           "langs": {"nb": "Norwegian (bokmål)", "en": "English"}},
}
PRINT_CSS = """<style>
.qcard{border:1px solid #8c959f;border-radius:8px;padding:1rem 1.3rem;margin:0 0 1rem;break-inside:avoid}
.qcard h2{margin-top:0;font-size:1.6rem}.qcard h3{font-size:1.1rem;margin:1rem 0 .3rem}.qcard blockquote{margin:.4rem 0;padding-left:.8rem;border-left:4px solid #1f6feb;color:inherit}
.qcard-foot{display:none}
@media print{[data-testid="stSidebar"],[data-testid="stHeader"],[data-testid="stToolbar"],
[data-testid="stExpander"],.stRadio,.stSelectbox,[data-testid="stDecoration"],[data-testid="stHeading"],
[data-testid="stCaptionContainer"],[data-testid="stBottom"]{display:none!important}
.stApp,[data-testid="stAppViewContainer"],[data-testid="stMain"]{height:auto!important;min-height:0!important;overflow:visible!important}
[data-testid="stMainBlockContainer"]{padding:0!important}
.qcard{border:none;padding:0;margin:0;break-inside:auto}
.qcard+.qcard,[data-testid="stElementContainer"]:has(.qcard)~[data-testid="stElementContainer"] .qcard{break-before:page}
.qcard-foot{display:block;margin-top:1.5rem;padding-top:.3rem;border-top:1px solid #8c959f;font-size:.8rem;color:#57606a}}
</style>"""


def card_html(card: it.ViewpointCard, t: dict[str, str], pictures: dict[str, str] | None = None, *,
              footer: str = "") -> str:
    """One card as semantic HTML (every text escaped). ``pictures``: statement id -> picture address
    (:func:`~qmethod.ui.researcher.plots.picture_uri`); a picture statement is shown as its picture
    with the statement's text (its alt text, or its text) as alt text and below it. ``footer`` (the
    study's title and the date) is printed at the card's foot, not shown on the screen. Headings give
    their ids as ``data-anchor`` (``card-F1``, the card's name; ``card-F1-agree`` ...): Streamlit
    replaces a heading's ``id`` by one made from its text, the same on every card."""
    e = escape_html
    by_text = {str(text): sid for sid, text in card.details["statement"].items()}

    def item(x: str) -> str:
        uri = (pictures or {}).get(by_text.get(x, ""))
        shown = e(x) if uri is None else (f'<img src="{e(uri)}" alt="{e(x)}" '
                                          f'style="max-width:12rem;max-height:8rem;display:block"> {e(x)}')
        return f"<span{lang(card.statements_language)}>{shown}</span>" if lang(card.statements_language) else shown

    title = card.name or t["unnamed"].format(f=card.factor)

    def lang(other: str) -> str:  # a text in another language than the card's says which (for screen readers)
        return f' lang="{e(other)}"' if other and other != card.language else ""

    def h3(key: str) -> str:  # the same headings on every card: ids of the card's own
        return f'<h3 data-anchor="card-{card.factor}-{key}">{e(t[key])}</h3>'

    out = [f'<article class="qcard" lang="{e(card.language)}" aria-labelledby="card-{card.factor}">'
           f'<h2 data-anchor="card-{card.factor}"{lang(card.name_from if card.name else "")}>{e(title)}</h2>']
    if card.summary:
        out.append(f"<p{lang(card.summary_from)}><strong>{e(card.summary)}</strong></p>")
    gone = [k for k, v in (("name", card.name_from), ("summary", card.summary_from)) if v]
    if gone:
        other = card.name_from or card.summary_from
        note = t["from"]["both" if len(gone) == 2 else gone[0]].format(lang=t["langs"].get(other, other))
        out.append(f'<p class="qcard-from"><em>{e(note)}</em></p>')
    out.append(f"<p>{e(t['people'].format(n=card.n_people))}</p>")
    if card.n_opposite:
        out.append(f"<p>{e(t['opposite'].format(n=card.n_opposite))}</p>")
    out.append(f"{h3('agree')}<ul>" + "".join(f"<li>{item(x)}</li>" for x in card.agree) + "</ul>")
    out.append(f"{h3('disagree')}<ul>" + "".join(f"<li>{item(x)}</li>" for x in card.disagree) + "</ul>")
    out.append(h3("apart"))
    if card.higher or card.lower:
        out.append("<ul>" + "".join(f"<li>{e(t['more'].capitalize())}: {item(x)}</li>" for x in card.higher)
                   + "".join(f"<li>{e(t['less'].capitalize())}: {item(x)}</li>" for x in card.lower) + "</ul>")
    else:
        out.append(f"<p>{e(t['none_apart'])}</p>")
    if card.words:
        out.append(h3("words") + "".join(f"<blockquote{lang(card.words_language)}>“{e(q.text)}”</blockquote>"
                                                   for q in card.words))
    if footer:
        out.append(f'<footer class="qcard-foot">{e(footer)}</footer>')
    out.append("</article>")
    return "".join(out)


user = gate("Viewpoints", co_researchers=True, lang=None)
language = st.radio("Språk / Language", ["nb", "en"], format_func=LANG_NAMES.get, horizontal=True, key="card_lang")
page_lang(language)
t = T[language]
st.title(t["title"])
st.caption(t["intro"])
analysis = choose_analysis(user, key="card_analysis", language=language)
if analysis is None:
    st.stop()
view = load_view(user, analysis, language)
if view is None:
    st.stop()
st.markdown(PRINT_CSS, unsafe_allow_html=True)
pictures = plots.study_picture_uris(flow.database(), view.study_id)
printed = datetime.date.today().strftime("%d.%m.%Y" if language == "nb" else "%d %B %Y").lstrip("0")
for f in view.factors:
    card = run(it.viewpoint_card, view, f, language)
    if card is None:
        continue
    st.markdown(card_html(card, t, pictures, footer=f"{view.title} · {t['printed']} {printed}"), unsafe_allow_html=True)
    with st.expander(t["details"]):
        st.caption(t["details_note"])
        st.markdown(table_html(card.details.rename(columns={"array": "kolonne" if language == "nb" else "column"}),
                               label=f"{t['details']}: {card.factor}"), unsafe_allow_html=True)
