"""Spreadsheets in and out: the annex layouts (附件1, 附件2, 附件4), the writers of exports, and the guard on
uploaded files."""
