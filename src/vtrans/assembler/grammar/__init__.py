"""Lark grammar files of the assembler front end (package data)."""
