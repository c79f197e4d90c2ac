"""Writes and workflow of the needs list.

(The services of the needs workflow's moves are `liaisons.needs.services`.)

- numbering: need numbers (XQ-2026-00042);
- deadlines: time limits turned into due datetimes on the working-day calendar;
- escalations: the periodic sweep that climbs the escalation ladder;
- kpis: the needs KPIs per liaison, department and chain (reads).
"""
