"""LLM assistance through any OpenAI-compatible endpoint (DESIGN.md §1 steps 4c and 5b).

The engine calls ``assist`` after the offline repair; everything else here serves it:
``client`` (one budgeted chat session), ``prompts`` (what the model reads), ``parse``
(what it wrote), ``splice`` (its function back into the document, as minimal edits).
"""
from tracefix.llm.assist import LLMResult, assist, join, merge_verdicts

__all__ = ["LLMResult", "assist", "join", "merge_verdicts"]
