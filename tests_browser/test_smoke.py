from playwright.sync_api import Page, expect


def test_the_api_docs_render_in_a_browser(page: Page, live_server_url: str) -> None:
    page.goto(f"{live_server_url}/api/docs/")

    expect(page.get_by_text("Kerala Sellers Support API")).to_be_visible()
