from starlette.routing import Mount, Route


def _api_paths(routes, prefix=""):
    for route in routes:
        if isinstance(route, Mount):
            yield from _api_paths(route.routes, prefix + route.path)
        elif (
            isinstance(route, Route)
            and (prefix + route.path).startswith("/api/")
            and prefix + route.path != "/api/docs"
        ):
            for method in route.methods or []:
                if method != "HEAD":
                    yield prefix + route.path, method.lower()


async def test_openapi_document_covers_every_api_endpoint(client, app):
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    served = {(path.replace(":int", ""), method) for path, method in _api_paths(app.routes)}
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert served, "no API routes found"
    assert served <= documented, f"undocumented: {sorted(served - documented)}"
    assert "Error" in spec["components"]["schemas"]


async def test_api_docs_page_is_readable_without_a_cdn(client):
    response = await client.get("/api/docs")
    assert response.status_code == 200
    html = response.text
    assert "接口文档" in html and "/api/demands" in html
    assert "cdn" not in html.lower() and "https://" not in html
