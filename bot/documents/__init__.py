"""Printable documents: the 一患一案 case file (PDF, fpdf2) and the official notices (Word, docxtpl).

Framework-free: builders take plain dataclass views (``bot.documents.views``) assembled by
``bot.services.documents`` and return bytes; nothing here touches the database or a messaging channel.
"""
