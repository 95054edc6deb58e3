"""`--format pptx`: placeholder until the deck builder lands."""
