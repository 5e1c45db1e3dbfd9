"""Translator: control-flow graph, sensitive-instruction classification and pre-virtualizing rewrite."""
