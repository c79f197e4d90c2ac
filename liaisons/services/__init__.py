"""Writes and workflow of the needs list.

- needs: one service per move of the needs workflow (docs/needs.md);
- numbering: need numbers (XQ-2026-00042);
- deadlines: time limits turned into due datetimes on the working-day calendar;
- escalations: the periodic sweep that climbs the escalation ladder;
- kpis: the needs KPIs per liaison, department and chain (reads).
"""
