"""`--format pptx`: support-group slide decks from the same Doc, measured so no text overflows.

One job per module, in the order a deck is made:

- `strings`: the deck's own UI strings and their lookup;
- `template`: our template or a clinic's, emptied, its layouts found by role;
- `plan`: Doc -> SlideSpecs, plain data (no python-pptx, no fonts);
- `fit`: specs set into the layouts' boxes: measured, continued, shrunk (FittedSlides);
- `write`: fitted slides written with python-pptx, then notes and properties;
- `render`: the registered builder that runs these, checks fonts and reports warnings.

Under them: `measure` (fonts and line breaking), `styles` (inherited OOXML styles and text
height), `paragraphs` (paragraphs as DrawingML); and `readback`, a saved deck's overflow check.
"""
