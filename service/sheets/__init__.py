"""Spreadsheets in, spreadsheets and paper out: fact imports from Excel and CSV, templates,
exports of results, and the printable publication (公示) with its proof."""
