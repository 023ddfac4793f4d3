from siphon import http


@http.route("/whoami")
def whoami(req):
    t = req.tls
    c = req.client_cert
    if c is None:
        return http.Response(status=200, body=f"{req.scheme} no-cert")
    return http.Response(status=200, body=f"{req.scheme} {t.protocol} {t.alpn} {c.subject} {';'.join(c.sans)}")
