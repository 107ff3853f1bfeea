"""The issue's "done when", in Debian's Chromium: a care worker logs in, a fall stored through
the ingest store appears live in the queue, the worker opens it, sees the evidence chart,
accepts, sets off, marks contact and closes it with an outcome (after confirming); zh-CN and
English both render; the duty desk sees the incident's timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.async_api import expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from alerting.rosters import on_duty
from cloud_ingest.store.domain import AuditEntry
from tests.care_app.support import Stack, log_in, screenshot


def _resident_reads(database_url: str, actor: str) -> int:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(AuditEntry).where(
                    AuditEntry.actor_id == actor, AuditEntry.resident_id == "res-0001"
                )
            ).all()
    finally:
        engine.dispose()
    return sum(1 for r in rows if r.action.startswith("resident"))


async def test_a_care_worker_handles_a_fall_from_the_live_queue(stack: Stack) -> None:
    stack.store_signs_of_life()
    page = await stack.phone("worker")
    await log_in(page, stack.app_url, "wang.fang")
    await expect(page.locator("h1")).to_have_text("我的事件")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page.locator("#queue .empty")).to_be_visible()
    # the live stream has delivered the (empty) queue once: it is connected
    await expect(page.locator("#queue")).to_have_attribute("data-updated", re.compile(r"\d+"))
    await page.evaluate("window.notReloaded = true")

    stack.store_fall()
    item = page.locator("#queue li.sev-critical")
    await expect(item).to_contain_text("跌倒", timeout=30_000)
    await expect(item).to_contain_text("res-0001")
    await expect(item).to_contain_text("等待接单")
    assert await page.evaluate("window.notReloaded === true"), "the page was reloaded"
    await screenshot(page, "queue-zh")

    await item.locator("a").click()
    await expect(page).to_have_url(re.compile(r"/incidents/\w+$"))
    incident_url = page.url
    headline = page.locator(".headline h1")
    await expect(headline).to_contain_text("跌倒")
    await expect(headline).to_contain_text("张秀英")  # who (from the cloud API, audited)
    await expect(page.locator(".where")).to_have_text("东城区幸福路 12 号 3 单元 401")
    # why, in Chinese: the app's own catalog filled with the detector's evidence numbers
    await expect(page.locator(".why")).to_have_text(
        "疑似跌倒：冲击 3.4 g，手腕转动 78°，之后静止 40 秒"
    )
    chart = page.locator(".evidence figure svg.chart")
    await expect(chart).to_be_visible()
    await expect(chart.locator("polyline")).to_have_count(1)
    await expect(chart.locator("line.mark")).to_have_count(1)  # the moment of impact
    numbers = page.locator(".evidence table.numbers")
    await expect(numbers.locator("tr", has_text="冲击（g）")).to_contain_text("3.4")
    await expect(page.locator(".resident")).to_contain_text("高血压")
    await expect(page.locator(".contacts a").first).to_have_attribute("href", "tel:+8613900000002")
    assert _resident_reads(stack.database_url, "cw-0001") >= 1
    await screenshot(page, "incident-zh")

    await page.get_by_role("link", name="住户档案").click()
    await expect(page.locator("h1")).to_have_text("张秀英")
    devices = page.locator(".devices")
    await expect(devices.locator("tr", has_text="卧室床垫")).to_contain_text("正常")
    await expect(devices.locator("tr", has_text="厨房烟感")).to_contain_text("从未上线")
    await expect(page.locator(".absences")).to_contain_text("住院")
    await expect(page.locator(".absences")).to_contain_text("肺炎住院")
    await expect(page.locator(".eligibility")).to_be_visible()
    portrait = page.locator(".portrait")
    await expect(portrait.locator("#sleep figcaption")).to_contain_text("通常 22:00–06:00 睡眠")
    await expect(portrait.locator("#sleep rect.bar.hi")).to_have_count(8)  # 22:00 to 06:00
    await expect(portrait.locator("#exits rect.bar").first).to_be_visible()
    await expect(portrait.locator("#movement svg")).to_be_visible()
    reads = _resident_reads(stack.database_url, "cw-0001")
    await screenshot(page, "resident-zh")
    await page.go_back()
    await page.reload()
    assert _resident_reads(stack.database_url, "cw-0001") > reads  # every view is audited

    await page.get_by_role("button", name="接单").click()
    await expect(page.locator("#status")).to_contain_text("已接单")
    await expect(page.locator("#status")).to_contain_text("cw-0001")
    await page.get_by_role("button", name="我已出发").click()
    await expect(page.locator("#status")).to_contain_text("已出发")
    await page.get_by_role("button", name="已联系到住户").click()
    await expect(page.locator("#status")).to_contain_text("已联系到住户")

    await page.select_option("#outcome", "assisted_no_injury")
    await page.fill("#note", "扶起，无外伤")
    await page.get_by_role("button", name="结束事件…").click()
    await expect(page.locator("h1")).to_have_text("确认结束事件？")  # nothing closed yet
    await expect(page.locator("main")).to_contain_text("已协助，无受伤")
    await screenshot(page, "close-confirm-zh")
    await page.get_by_role("button", name="确认结束").click()
    await expect(page.locator(".done")).to_contain_text("已协助，无受伤")
    await expect(page.locator(".done")).to_contain_text("扶起，无外伤")
    await expect(page.locator(".actions button")).to_have_count(0)

    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator(".headline h1")).to_contain_text("Fall")
    await expect(page.locator(".why")).to_contain_text("impact 3.4 g")  # the detector's own
    await expect(page.locator(".done")).to_contain_text("Helped, no injury")
    timeline = page.locator(".timeline")
    for step in ("Accepted", "On the way", "Contact made", "Closed"):
        await expect(timeline).to_contain_text(step)
    await screenshot(page, "incident-en")
    await page.goto(stack.app_url + "/")
    await expect(page.locator("h1")).to_have_text("My incidents")
    await expect(page.locator("#queue .empty")).to_have_text("No incidents for you right now.")

    desk = await stack.phone("desk")
    await log_in(desk, stack.app_url, "duty.desk")
    await desk.goto(incident_url)
    desk_timeline = desk.locator(".timeline")
    await expect(desk_timeline).to_contain_text("已接单 · cw-0001")
    await expect(desk_timeline).to_contain_text("已结束 · cw-0001")
    await screenshot(desk, "timeline-desk-zh")
    await desk.get_by_role("link", name="值班台").click()
    home = desk.locator(".homes tr[data-home=home-0001]")
    await expect(home.locator(".coverage .big")).to_have_text("33%")  # the bed of 3 devices
    await expect(home).to_contain_text("无信号：band-0001, smoke-0001")
    await expect(desk.locator(".open-incidents")).to_contain_text("没有未结束的事件")
    response = desk.locator(".response tr", has_text="edge.fall/v1")
    await expect(response.locator("td").nth(1)).to_have_text("1")
    await expect(response.locator("td").nth(4)).to_have_text("100%")
    [roster] = stack.router.rosters
    on_duty_now = on_duty(roster, datetime.now(UTC), stack.router.timezone)  # day or night
    await expect(desk.locator(".duty .flag")).to_have_text(on_duty_now)
    await screenshot(desk, "console-zh")
    worker_console = await page.goto(stack.app_url + "/console")
    assert worker_console is not None
    assert worker_console.status == 403  # care workers have no console


async def test_a_phone_installs_the_app_and_gets_pushed_alerts(stack: Stack) -> None:
    """The service worker registers, the manifest is served, the phone's push subscription
    goes through the app (CSRF-checked) to the router, and the next fall is pushed to it."""
    page = await stack.phone("worker")
    await log_in(page, stack.app_url, "wang.fang", "not-the-password")
    await expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    await log_in(page, stack.app_url, "wang.fang")
    worker = await page.evaluate(
        "navigator.serviceWorker.ready.then(r => new URL(r.active.scriptURL).pathname)"
    )
    assert worker == "/sw.js"
    manifest = await page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert (manifest["name"], manifest["display"], manifest["lang"]) == (
        "银龄卫士",
        "standalone",
        "zh-CN",
    )
    button = page.locator("#push")
    await expect(button).to_have_text("在本机接收告警")
    subscription = stack.push.subscribe("wang-fang-phone")
    post = """([body, csrf]) => fetch('/push/subscriptions', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
        body: JSON.stringify(body)}).then(r => r.status)"""
    assert await page.evaluate(post, [subscription, "forged"]) == 403
    csrf = await button.get_attribute("data-csrf")
    assert await page.evaluate(post, [subscription, csrf]) == 201

    stack.store_fall()
    for _ in range(200):
        if stack.push.deliveries:
            break
        await page.wait_for_timeout(100)
    [pushed] = stack.push.payloads("wang-fang-phone")
    assert pushed["type"] == "fall"
    assert pushed["title"].startswith("【紧急】")
    assert stack.push.rejected == []
    await page.goto(f"{stack.app_url}/incidents/{pushed['incident_id']}")  # what a tap opens
    await expect(page.locator(".headline h1")).to_contain_text("跌倒")
