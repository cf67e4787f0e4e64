"""Optional e-mail of the feedback package to the city bureau's contact.

Configured per city (`email` in sources/cities.yaml) and per deployment (settings.smtp_*, from
GREENPARK_SMTP_HOST and friends). A mail that cannot be sent is logged and never fails the run: the package is already in
the city's outbox.
"""

from __future__ import annotations

import mimetypes
import smtplib
from email.message import EmailMessage

from ..registry import City
from ..settings import Settings
from .feedback import format_findings_text

ATTACHMENTS = ("html", "json", "xlsx")


def smtp_settings(settings: Settings) -> dict | None:
    """The SMTP connection from settings (smtp_*); None when no host is configured."""
    if not settings.smtp_host:
        return None
    return {
        "host": settings.smtp_host,
        "port": settings.smtp_port,
        "sender": settings.smtp_from,
        "user": settings.smtp_user,
        "password": settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        "starttls": settings.smtp_starttls,
    }


def send_mail(message: EmailMessage, config: dict) -> None:
    with smtplib.SMTP(config["host"], config["port"], timeout=15) as smtp:
        if config["starttls"]:
            smtp.starttls()
        if config["user"]:
            smtp.login(config["user"], config["password"] or "")
        smtp.send_message(message)


def feedback_message(city: City, outcome, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"【绿色低碳工业园区数据报送】{outcome.version_id} 审核结果:{outcome.status}"
    message["From"] = sender
    message["To"] = city.contact_email
    message.set_content(
        f"{city.name}:\n\n您报送的版本 {outcome.version_id} 审核结果为「{outcome.status}」。\n"
        f"详见附件中的反馈页(HTML)、数据文件(JSON)和标注了问题单元格的工作簿。\n\n"
        + format_findings_text(list(outcome.findings), filename=outcome.version_id, status=outcome.status)
    )
    for kind in ATTACHMENTS:
        path = outcome.feedback.get(kind)
        if path is None or not path.exists():
            continue
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


def notify_submitter(city: City | None, outcome, settings: Settings, *, log=None) -> str | None:
    """Send the package if this city has a contact and SMTP is configured; returns the recipient."""
    config = smtp_settings(settings)
    if city is None or not city.contact_email or config is None:
        return None
    try:
        send_mail(feedback_message(city, outcome, config["sender"]), config)
    except (OSError, smtplib.SMTPException) as exc:
        if log is not None:
            log.warning(f"反馈邮件未能发送至 {city.contact_email}:{exc}(反馈包已写入发件箱)")
        return None
    return city.contact_email


def notify_reminder(city: City | None, notice: dict, settings: Settings) -> str | None:
    """E-mail a 催报 notice (from the province console) to the city's contact when SMTP is
    configured; returns the recipient, None when not sent (the notice is in the outbox anyway)."""
    config = smtp_settings(settings)
    if city is None or not city.contact_email or config is None:
        return None
    message = EmailMessage()
    message["Subject"] = f"【绿色低碳工业园区数据报送】催报:{notice['city_name']} {notice['year']} 年"
    message["From"] = config["sender"]
    message["To"] = city.contact_email
    lines = [notice["message_zh"], ""]
    for item in notice["missing"]:
        parks = "、".join(f"{p['park_name']}({p['park_code']})" for p in item["parks"])
        lines.append(f"第 {item['quarter']} 季度(截止 {item['due']}):{item['reason']}。涉及园区:{parks}")
    message.set_content("\n".join(lines))
    try:
        send_mail(message, config)
    except (OSError, smtplib.SMTPException):
        return None
    return city.contact_email
