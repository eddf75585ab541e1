"""Guide: Q methodology and co-interpretation in plain language (bokmål and English), for user
representatives who join a study as co-researchers."""
from __future__ import annotations

import streamlit as st

from qmethod.ui.components.page_lang import page_lang
from qmethod.ui.pages.researcher.interpret_common import LANG_NAMES
from qmethod.ui.researcher.auth import gate

GUIDE = {
    "nb": """
# Veiledning: å tolke synspunkter sammen

## Hva er Q-metode?
I en Q-studie får hver deltaker de samme utsagnene, for eksempel 34 setninger om brukermedvirkning.
Deltakeren legger dem i et rutenett fra «mest uenig» (til venstre) til «mest enig» (til høyre).
Det er ingen riktige eller gale svar. Målet er ikke å telle hvor mange som mener noe, men å finne
de **måtene å se saken på** som flere deler.

## Hva er en faktor (et synspunkt)?
Når mange har sortert, sammenligner vi sorteringene med hverandre. Personer som har sortert
ganske likt, hører til samme **faktor**. En faktor er altså et felles synspunkt. Noen deltakere
deler et synspunkt tydelig: de kalles *definerende* deltakere for faktoren. Det er deres sorteringer
og kommentarer vi bygger på når vi beskriver synspunktet.

## Hvordan leser jeg en samlet sortering?
For hver faktor lager programmet én samlet sortering: rutenettet slik en person med dette synet
ville fylt det ut. Les den fra kantene og innover:

* Utsagnene helt til høyre (+4, +3) er det folk med dette synet er **mest enige** i.
* Utsagnene helt til venstre (−4, −3) er det de er **mest uenige** i.
* Utsagn merket med stjerne (\\*) plasseres annerledes enn i alle de andre synspunktene. De sier
  ofte mest om hva som er spesielt med synet. ▲ betyr høyere, ▼ lavere enn i de andre.
* Grå ruter er utsagn alle synspunktene plasserer omtrent likt (enighet på tvers).
* Midten (0) er det folk har minst sterke meninger om.

## Hvordan leser jeg et synspunktkort?
Et kort beskriver ett synspunkt med vanlige ord: navnet teamet har gitt det, en kort oppsummering,
hva folk med dette synet er mest enige og uenige i, hva som skiller synet fra de andre, og noen av
deltakernes egne ord, skrevet da de sorterte. Tallene ligger bak «Detaljer» for den som vil se dem.

## Hvordan foregår tolkningen sammen?
* Forskeren inviterer deg til én studie. Du ser bare de studiene du er invitert til.
* Du ser resultater uten personopplysninger: utsagnene, de samlede sorteringene og kommentarene,
  men aldri hvem som skrev hva, og ikke den enkeltes sortering.
* Du kan skrive **notater** til hver faktor og **foreslå** navn, oppsummering og fortelling.
  Forskeren godtar forslagene; alt lagres med navnet ditt og tidspunktet, og ingenting blir borte.
* Kortene på engelsk kan få eget navn og egen oppsummering («Name in English», «Short summary in
  English»). Mangler de, viser det engelske kortet de norske og sier fra om det.
* Har noen andre endret den samme teksten mens du skrev, blir ikke din tekst byttet ut: den blir stående
  i feltet, og siden viser hvem som endret og hva de skrev. Du kan ta deres, flette de to eller sende
  din likevel («Propose mine anyway»). Prøver du å forlate eller laste siden på nytt med tekst som ikke
  er lagret, spør nettleseren først; laster du den likevel på nytt, kommer teksten tilbake i feltet.
* Gode spørsmål å stille: Kjenner jeg igjen dette synet? Hva er viktig for folk som tenker slik?
  Hva ville de sagt med egne ord? Hva er de uenige i, og hvorfor?
""",
    "en": """
# Guide: interpreting viewpoints together

## What is Q methodology?
In a Q study every participant gets the same statements, for example 34 sentences about user
participation. They place them in a grid from "most disagree" (left) to "most agree" (right). There
are no right or wrong answers. The aim is not to count how many people think something, but to find
the **ways of seeing the issue** that several people share.

## What is a factor (a viewpoint)?
Once many people have sorted, the sorts are compared with each other. People who sorted in much the
same way belong to the same **factor**. A factor is a shared viewpoint. Some participants express it
clearly: they are the factor's *defining* participants. Their sorts and comments are what we build on
when we describe the viewpoint.

## How do I read a composite sort?
For each factor the program makes one composite sort: the grid as a person with this viewpoint would
fill it in. Read it from the edges inwards:

* The statements on the far right (+4, +3) are what people with this view **agree with most**.
* The statements on the far left (−4, −3) are what they **disagree with most**.
* Statements marked with a star (\\*) are placed differently from every other viewpoint. They often say
  most about what is special in this view. ▲ means higher, ▼ lower than in the others.
* Grey cells are statements every viewpoint places about the same (agreement across views).
* The middle (0) is what people feel least strongly about.

## How do I read a viewpoint card?
A card describes one viewpoint in plain words: the name the team gave it, a short summary, what people
with this view agree and disagree with most, what sets it apart from the others, and some of the
participants' own words, written while they sorted. The numbers are behind "Details" for those who want
them.

## How does interpreting together work?
* The researcher invites you to one study. You see only the studies you are invited to.
* You see results without personal data: the statements, the composite sorts and the comments, but
  never who wrote what, and no one's individual sort.
* You can write **notes** on each factor and **propose** a name, a summary and a narrative. The
  researcher accepts proposals; everything is kept with your name and the time, and nothing is lost.
* The cards in English can have their own name and summary ("Name in English", "Short summary in
  English"). Without them, the English card shows the Norwegian ones and says so.
* If someone else changed the same text while you were writing, yours is not replaced: it stays in its
  field, and the page shows who changed the text and what they wrote. Take theirs, merge the two, or
  send yours anyway ("Propose mine anyway"). If you try to leave or reload the page with text that is
  not saved, the browser asks first; if you reload anyway, your text comes back in its field.
* Good questions to ask: Do I recognise this view? What matters to people who think like this? What
  would they say in their own words? What do they disagree with, and why?
""",
}

gate("Guide", co_researchers=True, lang=None)
language = st.radio("Språk / Language", ["nb", "en"], format_func=LANG_NAMES.get, horizontal=True, key="guide_lang")
page_lang(language)
st.markdown(GUIDE[language])
