//! The account mails, each as plain text and HTML, with links to the frontend at
//! `PUBLIC_BASE_URL` (e.g. `https://app.example.com/verify-email?token=...`).

use domain::{Email, Username};

use crate::ports::Mail;

#[derive(Debug, Clone)]
pub struct Templates {
    base: String,
}

/// One mail's wording: a greeting line, paragraphs, and at most one link with its label.
struct Body<'a> {
    paragraphs: &'a [&'a str],
    link: Option<(&'a str, String)>,
}

impl Templates {
    pub fn new(public_base_url: &str) -> Self {
        Self {
            base: public_base_url.trim_end_matches('/').to_owned(),
        }
    }

    fn link(&self, page: &str, token: &str) -> String {
        format!("{}/{page}?token={token}", self.base)
    }

    pub fn verification(&self, to: &Email, name: &Username, token: &str) -> Mail {
        render(
            to,
            name,
            "Confirm your email address",
            Body {
                paragraphs: &[
                    "Please confirm that this is your email address by opening the link below.",
                    "If you did not open an Agora account, ignore this mail.",
                ],
                link: Some(("Confirm my address", self.link("verify-email", token))),
            },
        )
    }

    pub fn password_reset(&self, to: &Email, name: &Username, token: &str) -> Mail {
        render(
            to,
            name,
            "Reset your password",
            Body {
                paragraphs: &[
                    "Someone asked to reset the password of your Agora account. Open the link below to choose a new one; it works once and for a short time.",
                    "If it was not you, ignore this mail: your password stays as it is.",
                ],
                link: Some(("Choose a new password", self.link("reset-password", token))),
            },
        )
    }

    pub fn password_changed(&self, to: &Email, name: &Username) -> Mail {
        render(
            to,
            name,
            "Your password was changed",
            Body {
                paragraphs: &[
                    "The password of your Agora account was just changed, and every session was signed out.",
                    "If you did not do this, reset your password now and contact us.",
                ],
                link: None,
            },
        )
    }

    pub fn email_change_confirmation(&self, to: &Email, name: &Username, token: &str) -> Mail {
        render(
            to,
            name,
            "Confirm your new email address",
            Body {
                paragraphs: &[
                    "You asked to use this address for your Agora account. Open the link below to confirm it; until then your old address stays in use.",
                    "If you did not ask for this, ignore this mail.",
                ],
                link: Some((
                    "Confirm my new address",
                    self.link("confirm-email-change", token),
                )),
            },
        )
    }

    /// To the old address: no link, no token, not even the new address.
    pub fn email_change_notice(&self, to: &Email, name: &Username) -> Mail {
        render(
            to,
            name,
            "A change of your email address was requested",
            Body {
                paragraphs: &[
                    "Someone asked to move your Agora account to another email address. The change takes effect only once it is confirmed from that address.",
                    "If this was not you, change your password now.",
                ],
                link: None,
            },
        )
    }
}

fn render(to: &Email, name: &Username, subject: &str, body: Body<'_>) -> Mail {
    let greeting = format!("Hello {},", name.as_ref());
    let mut text = format!("{greeting}\n\n");
    let mut html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>{}</p>\n",
        escape(&greeting)
    );
    for paragraph in body.paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
    }
    if let Some((label, url)) = &body.link {
        text.push_str(&format!("{label}: {url}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            escape(url),
            escape(label)
        ));
    }
    text.push_str("-- Agora\n");
    html.push_str("<p>-- Agora</p>\n</body></html>\n");
    Mail {
        to: to.clone(),
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// Enough escaping for text and attribute values in HTML.
fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_point_at_the_frontend_and_names_are_escaped_in_html() {
        let t = Templates::new("https://app.example.com/");
        let to = Email::parse("ada@example.com").expect("valid");
        let name = Username::parse("ada").expect("valid");
        let mail = t.verification(&to, &name, "TOKEN");
        let link = "https://app.example.com/verify-email?token=TOKEN";
        assert!(mail.text.contains(link));
        assert!(mail.html.contains(&format!("href=\"{link}\"")));
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
        let notice = t.email_change_notice(&to, &name);
        assert!(!notice.text.contains("token") && !notice.html.contains("href"));
    }
}
