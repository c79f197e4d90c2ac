"""The expected answer of every needs page and action, for every role.

The world (tests/liaisons/conftest.py): enterprise E1 in chain 1 and E2 in chain 2; secretaries
S1/S2, liaisons L1/L2 (each assigned to their firm), chain chiefs C1/C2, department heads H1/H2
(L1 works in H1's department), park staff, an outsider with an account and no role, and an
anonymous visitor. The targets all belong to side 1, so every "2" role is out of scope:

    N1   a need of E1 dispatched to L1, in progress (its department: H1's, its chain: C1's)
    D1   a draft of E1 (drafts are the firm's working copy: only its contacts see them)
    A1   a public attachment of N1;  A1i  an internal one (hidden from the firm)
    E1   the enterprise itself (a liaison's firm page)

Codes: 200 page, 302 redirect (anonymous → sign-in; an allowed action → back to the need with
a message, whether the workflow accepted it or not), 404 out of scope or not this role's page,
405 wrong method. Anonymous requests are always sent to sign in.
"""

ROLES = ("anon", "outsider", "S1", "S2", "L1", "L2", "C1", "C2", "H1", "H2", "staff")

TABLE = """
url name                target  method  anon outsider S1  S2  L1  L2  C1  C2  H1  H2  staff
need-list               -       GET     302  200      200 200 200 200 200 200 200 200 200
need-list               -       POST    302  405      405 405 405 405 405 405 405 405 405
need-export             -       GET     302  200      200 200 200 200 200 200 200 200 200
need-export             -       POST    302  405      405 405 405 405 405 405 405 405 405
need-create             -       GET     302  404      200 200 404 404 404 404 404 404 404
need-create             -       POST    302  404      302 302 404 404 404 404 404 404 404
need-queue              -       GET     302  404      404 404 200 200 404 404 404 404 404
need-queue              -       POST    302  405      405 405 405 405 405 405 405 405 405
need-inbox              -       GET     302  404      404 404 404 404 404 404 404 404 200
need-inbox              -       POST    302  405      405 405 405 405 405 405 405 405 405
need-supervision        -       GET     302  404      404 404 404 404 200 200 200 200 200
need-supervision        -       POST    302  405      405 405 405 405 405 405 405 405 405
need-kpis               -       GET     302  404      404 404 404 404 200 200 200 200 200
need-kpis               -       POST    302  405      405 405 405 405 405 405 405 405 405
liaison-firms           -       GET     302  404      404 404 200 200 404 404 404 404 404
liaison-firms           -       POST    302  405      405 405 405 405 405 405 405 405 405
liaison-firm-needs      E1      GET     302  404      404 404 200 404 404 404 404 404 404
liaison-firm-needs      E1      POST    302  405      405 405 405 405 405 405 405 405 405
need-detail             N1      GET     302  404      200 404 200 404 200 404 200 404 200
need-detail             N1      POST    302  405      405 405 405 405 405 405 405 405 405
need-detail             D1      GET     302  404      200 404 404 404 404 404 404 404 404
need-edit               D1      GET     302  404      200 404 404 404 404 404 404 404 404
need-edit               D1      POST    302  404      302 404 404 404 404 404 404 404 404
need-edit               N1      GET     302  404      302 404 404 404 404 404 404 404 404
need-submit             D1      POST    302  404      302 404 404 404 404 404 404 404 404
need-submit             N1      POST    302  404      302 404 404 404 404 404 404 404 404
need-accept             N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-dispatch           N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-reject             N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-merge              N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-sign               N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-contact            N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-reply              N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-request-info       N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-request-extension  N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-long-term          N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-milestone          N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-request-return     N1      POST    302  404      404 404 302 404 404 404 404 404 404
need-decide-return      N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-decide-extension   N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-supply-info        N1      POST    302  404      302 404 404 404 404 404 404 404 404
need-rate               N1      POST    302  404      302 404 404 404 404 404 404 404 404
need-return-visit       N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-reopen             N1      POST    302  404      404 404 404 404 404 404 404 404 302
need-note               N1      POST    302  404      302 404 302 404 302 404 302 404 302
need-attach             N1      POST    302  404      302 404 302 404 404 404 404 404 404
need-accept             N1      GET     302  405      405 405 405 405 405 405 405 405 405
need-sign               N1      GET     302  405      405 405 405 405 405 405 405 405 405
need-note               N1      GET     302  405      405 405 405 405 405 405 405 405 405
need-rate               N1      GET     302  405      405 405 405 405 405 405 405 405 405
attachment-download     A1      GET     302  404      200 404 200 404 200 404 200 404 200
attachment-download     A1i     GET     302  404      404 404 200 404 200 404 200 404 200
attachment-download     A1      POST    302  405      405 405 405 405 405 405 405 405 405
"""


def cases() -> list[tuple[str, str, str, str, int]]:
    """(url name, target, method, role, expected code) for every cell of the table."""
    rows = [line.split() for line in TABLE.strip().splitlines()[1:]]
    result = []
    for row in rows:
        name, target, method, *codes = row
        assert len(codes) == len(ROLES), f"row {name} {target} {method} has {len(codes)} codes"
        for role, code in zip(ROLES, codes, strict=True):
            result.append((name, target, method, role, int(code)))
    return result
