//! Headers → fields: the fields each [`ImportKind`] takes, and a guess of which header means which
//! field from synonyms in English, Ukrainian and Russian.
//!
//! [`guess`] works on [`normalize_header`]ed text in two passes, both in header order:
//!
//! 1. **exact**: the header equals a synonym of a field that is still free. If a synonym belongs to two
//!    fields of a kind (it does not in the built-in tables), the field listed first in [`fields`] wins.
//! 2. **contains**: a header still unmapped contains a synonym as whole words (`Телефон мобільний` →
//!    `phone`, `Код ЄДРПОУ клієнта` → `tax_id`). Among free fields the longest matching synonym wins (it is
//!    the most specific); on equal length, the field listed first in [`fields`].
//!
//! A field is given to at most one header: the first header (in column order) that maps to it in the
//! earlier pass. Headers that match nothing map to `None` and are ignored by the import.

use std::sync::LazyLock;

use crate::model::ImportKind;

/// One field and the header texts that mean it (written naturally; they are normalized when compared).
type Synonyms = (&'static str, &'static [&'static str]);

const NAME_ORG: &[&str] = &[
    "name",
    "client",
    "client name",
    "customer",
    "customer name",
    "company",
    "company name",
    "organization",
    "organisation",
    "назва",
    "найменування",
    "назва компанії",
    "назва клієнта",
    "найменування клієнта",
    "повне найменування",
    "клієнт",
    "компанія",
    "організація",
    "контрагент",
    "піб",
    "п і б",
    "наименование",
    "название",
    "название компании",
    "наименование клиента",
    "полное наименование",
    "клиент",
    "компания",
    "организация",
    "фио",
    "ф и о",
];

const TAX_ID: &[&str] = &[
    "tax id",
    "taxid",
    "vat",
    "vat id",
    "vat number",
    "edrpou",
    "єдрпоу",
    "код єдрпоу",
    "код за єдрпоу",
    "іпн",
    "рнокпп",
    "інн",
    "код",
    "податковий номер",
    "инн",
    "окпо",
    "код окпо",
    "код по окпо",
    "егрпоу",
    "код егрпоу",
    "edrpou code",
];

const PHONE: &[&str] = &[
    "phone",
    "phone number",
    "tel",
    "telephone",
    "mobile",
    "mobile phone",
    "cell",
    "телефон",
    "тел",
    "моб телефон",
    "мобільний",
    "мобільний телефон",
    "номер телефону",
    "контактний телефон",
    "мобильный",
    "мобильный телефон",
    "номер телефона",
    "контактный телефон",
];

const EMAIL: &[&str] = &[
    "e mail",
    "email",
    "mail",
    "email address",
    "e mail address",
    "ел пошта",
    "ел адреса",
    "електронна пошта",
    "електронна адреса",
    "пошта",
    "почта",
    "эл почта",
    "электронная почта",
    "эл адрес",
];

const EXTERNAL_REF: &[&str] = &[
    "external id",
    "external ref",
    "external reference",
    "id",
    "code",
    "ref",
    "код 1с",
    "код клієнта",
    "код клиента",
    "client id",
    "client code",
    "customer id",
    "ідентифікатор",
    "идентификатор",
];

const ADDRESS: &[&str] = &[
    "address",
    "адреса",
    "адрес",
    "юридична адреса",
    "фактична адреса",
    "юридический адрес",
    "фактический адрес",
    "адреса доставки",
    "адрес доставки",
];

const REGION: &[&str] = &[
    "region",
    "city",
    "область",
    "регіон",
    "місто",
    "населений пункт",
    "город",
    "регион",
    "населенный пункт",
];

const OWNER: &[&str] = &[
    "manager",
    "owner",
    "account manager",
    "responsible",
    "менеджер",
    "відповідальний",
    "відповідальний менеджер",
    "ответственный",
    "ответственный менеджер",
];

const TAGS: &[&str] = &[
    "tags",
    "tag",
    "labels",
    "теги",
    "тег",
    "мітки",
    "мітка",
    "метки",
    "метка",
];

const KIND: &[&str] = &[
    "kind",
    "type",
    "client type",
    "тип",
    "тип клієнта",
    "вид",
    "тип клиента",
    "юр фіз",
    "юр физ",
];

const WEBSITE: &[&str] = &[
    "website",
    "web site",
    "site",
    "web",
    "url",
    "сайт",
    "веб сайт",
];

const INDUSTRY: &[&str] = &[
    "industry",
    "sector",
    "галузь",
    "сфера діяльності",
    "вид діяльності",
    "отрасль",
    "сфера деятельности",
    "вид деятельности",
];

const BIRTH_DATE: &[&str] = &[
    "birth date",
    "birthday",
    "date of birth",
    "dob",
    "дата народження",
    "день народження",
    "дата рождения",
    "день рождения",
];

const CONTACT_NAME: &[&str] = &[
    "contact",
    "contact name",
    "contact person",
    "контакт",
    "контактна особа",
    "піб контактної особи",
    "контактное лицо",
    "фио контактного лица",
];

const POSITION: &[&str] = &[
    "position",
    "job title",
    "title",
    "role",
    "посада",
    "должность",
    "contact position",
    "посада контактної особи",
    "должность контактного лица",
];

const PERSON_NAME: &[&str] = &[
    "name",
    "full name",
    "contact",
    "contact name",
    "contact person",
    "person",
    "піб",
    "п і б",
    "ім я",
    "контакт",
    "контактна особа",
    "фио",
    "ф и о",
    "имя",
    "контактное лицо",
];

const CLIENT_REF: &[&str] = &[
    "client id",
    "client code",
    "client ref",
    "customer id",
    "customer code",
    "код клієнта",
    "код клиента",
    "код контрагента",
    "код 1с",
];

const CLIENT_TAX_ID: &[&str] = &[
    "client tax id",
    "tax id",
    "vat",
    "edrpou",
    "єдрпоу",
    "код єдрпоу",
    "єдрпоу клієнта",
    "іпн",
    "рнокпп",
    "инн",
    "окпо",
    "код окпо",
    "инн клиента",
    "егрпоу",
];

const CLIENT_NAME: &[&str] = &[
    "client",
    "client name",
    "customer",
    "customer name",
    "company",
    "company name",
    "organization",
    "клієнт",
    "назва клієнта",
    "компанія",
    "назва компанії",
    "контрагент",
    "організація",
    "клиент",
    "название клиента",
    "наименование клиента",
    "компания",
    "организация",
];

const CLIENT_EMAIL: &[&str] = &[
    "client email",
    "client e mail",
    "customer email",
    "email",
    "e mail",
    "mail",
    "ел пошта",
    "електронна пошта",
    "пошта",
    "почта",
    "эл почта",
    "электронная почта",
    "email клієнта",
    "email клиента",
];

const CLIENT_PHONE: &[&str] = &[
    "client phone",
    "customer phone",
    "phone",
    "tel",
    "telephone",
    "mobile",
    "телефон",
    "тел",
    "телефон клієнта",
    "телефон клиента",
    "мобільний",
    "мобильный",
];

const CLIENTS: &[Synonyms] = &[
    ("external_ref", EXTERNAL_REF),
    ("kind", KIND),
    ("name", NAME_ORG),
    ("tax_id", TAX_ID),
    ("phone", PHONE),
    ("email", EMAIL),
    ("website", WEBSITE),
    ("industry", INDUSTRY),
    ("region", REGION),
    ("address", ADDRESS),
    ("birth_date", BIRTH_DATE),
    ("owner", OWNER),
    ("tags", TAGS),
    ("contact_name", CONTACT_NAME),
    ("contact_position", POSITION),
];

const CONTACTS: &[Synonyms] = &[
    ("client_ref", CLIENT_REF),
    ("client_tax_id", CLIENT_TAX_ID),
    ("client_name", CLIENT_NAME),
    ("name", PERSON_NAME),
    ("position", POSITION),
    ("phone", PHONE),
    ("email", EMAIL),
];

const LEADS: &[Synonyms] = &[
    ("external_ref", EXTERNAL_REF),
    ("name", PERSON_NAME),
    (
        "company",
        &[
            "company",
            "company name",
            "organization",
            "organisation",
            "компанія",
            "назва компанії",
            "організація",
            "компания",
            "название компании",
            "организация",
            "клієнт",
            "клиент",
        ],
    ),
    ("phone", PHONE),
    ("email", EMAIL),
    (
        "need",
        &[
            "need",
            "request",
            "comment",
            "comments",
            "message",
            "note",
            "notes",
            "потреба",
            "запит",
            "коментар",
            "повідомлення",
            "примітка",
            "комментарий",
            "потребность",
            "запрос",
            "сообщение",
            "примечание",
        ],
    ),
    (
        "source",
        &[
            "source",
            "utm source",
            "lead source",
            "джерело",
            "джерело ліда",
            "источник",
            "источник лида",
        ],
    ),
    (
        "channel",
        &[
            "channel",
            "utm medium",
            "medium",
            "канал",
            "канал звернення",
            "канал обращения",
        ],
    ),
    ("region", REGION),
    ("owner", OWNER),
    (
        "created_at",
        &[
            "created at",
            "created",
            "date",
            "date created",
            "creation date",
            "дата",
            "дата створення",
            "дата звернення",
            "дата заявки",
            "дата создания",
            "дата обращения",
        ],
    ),
];

const ORDERS: &[Synonyms] = &[
    (
        "external_ref",
        &[
            "external id",
            "external ref",
            "order id",
            "order no",
            "order number",
            "order",
            "id",
            "номер",
            "номер замовлення",
            "замовлення",
            "номер документа",
            "номер заказа",
            "заказ",
            "номер документу",
        ],
    ),
    ("client_ref", CLIENT_REF),
    ("client_tax_id", CLIENT_TAX_ID),
    ("client_email", CLIENT_EMAIL),
    ("client_phone", CLIENT_PHONE),
    ("client_name", CLIENT_NAME),
    (
        "placed_at",
        &[
            "placed at",
            "date",
            "order date",
            "дата",
            "дата замовлення",
            "дата документа",
            "дата продажу",
            "дата заказа",
            "дата продажи",
        ],
    ),
    (
        "total",
        &[
            "total",
            "sum",
            "amount",
            "order total",
            "сума",
            "разом",
            "всього",
            "сума замовлення",
            "сумма",
            "итого",
            "всего",
            "сумма заказа",
        ],
    ),
    (
        "status",
        &["status", "order status", "статус", "стан", "состояние"],
    ),
    (
        "sku",
        &[
            "sku",
            "article",
            "item code",
            "product code",
            "артикул",
            "код товару",
            "код товара",
        ],
    ),
    (
        "product",
        &[
            "product",
            "item",
            "product name",
            "товар",
            "номенклатура",
            "найменування товару",
            "назва товару",
            "наименование товара",
            "название товара",
            "продукт",
        ],
    ),
    (
        "quantity",
        &[
            "qty",
            "quantity",
            "кількість",
            "к сть",
            "кол во",
            "количество",
            "шт",
        ],
    ),
    (
        "price",
        &[
            "price",
            "unit price",
            "ціна",
            "ціна за од",
            "ціна за одиницю",
            "цена",
            "цена за ед",
            "цена за единицу",
        ],
    ),
];

fn table(kind: ImportKind) -> &'static [Synonyms] {
    match kind {
        ImportKind::Clients => CLIENTS,
        ImportKind::Contacts => CONTACTS,
        ImportKind::Leads => LEADS,
        ImportKind::Orders => ORDERS,
    }
}

const CLIENT_FIELDS: &[&str] = &[
    "external_ref",
    "kind",
    "name",
    "tax_id",
    "phone",
    "email",
    "website",
    "industry",
    "region",
    "address",
    "birth_date",
    "owner",
    "tags",
    "contact_name",
    "contact_position",
];
const CONTACT_FIELDS: &[&str] = &[
    "client_ref",
    "client_tax_id",
    "client_name",
    "name",
    "position",
    "phone",
    "email",
];
const LEAD_FIELDS: &[&str] = &[
    "external_ref",
    "name",
    "company",
    "phone",
    "email",
    "need",
    "source",
    "channel",
    "region",
    "owner",
    "created_at",
];
const ORDER_FIELDS: &[&str] = &[
    "external_ref",
    "client_ref",
    "client_tax_id",
    "client_email",
    "client_phone",
    "client_name",
    "placed_at",
    "total",
    "status",
    "sku",
    "product",
    "quantity",
    "price",
];

/// The fields a row of `kind` can fill, in a fixed order (the order [`guess`] breaks ties by).
pub fn fields(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Clients => CLIENT_FIELDS,
        ImportKind::Contacts => CONTACT_FIELDS,
        ImportKind::Leads => LEAD_FIELDS,
        ImportKind::Orders => ORDER_FIELDS,
    }
}

/// A header as compared with synonyms: lowercase, `ё` → `е`, `№` → `номер`, every run of characters
/// that are not letters or digits (punctuation, underscores, apostrophes, white space of any kind)
/// folded into one space, trimmed. `"  E-mail_Адреса "` → `"e mail адреса"`, `"Тел."` → `"тел"`.
pub fn normalize_header(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut gap = false;
    for c in header.chars() {
        if c == '№' {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str("номер");
            gap = true;
            continue;
        }
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            for lower in c.to_lowercase() {
                out.push(match lower {
                    'ё' => 'е',
                    other => other,
                });
            }
        } else {
            gap = true;
        }
    }
    out
}

/// A synonym ready for comparison: its normalized text and its words.
struct Synonym {
    text: String,
    words: Vec<String>,
}

/// A field and its synonyms ready for comparison.
type FieldSynonyms = (&'static str, Vec<Synonym>);

/// The synonym tables of the four kinds, normalized once per process.
static NORMALIZED: LazyLock<[Vec<FieldSynonyms>; 4]> = LazyLock::new(|| {
    [
        ImportKind::Clients,
        ImportKind::Contacts,
        ImportKind::Leads,
        ImportKind::Orders,
    ]
    .map(|kind| {
        table(kind)
            .iter()
            .map(|(field, list)| {
                let synonyms = list
                    .iter()
                    .map(|w| {
                        let text = normalize_header(w);
                        let words = text.split(' ').map(str::to_string).collect();
                        Synonym { text, words }
                    })
                    .collect();
                (*field, synonyms)
            })
            .collect()
    })
});

fn normalized(kind: ImportKind) -> &'static [FieldSynonyms] {
    let index = match kind {
        ImportKind::Clients => 0,
        ImportKind::Contacts => 1,
        ImportKind::Leads => 2,
        ImportKind::Orders => 3,
    };
    &NORMALIZED[index]
}

/// Whether `needle` appears, in order and next to each other, among the words of `hay`.
fn contains_words(hay: &[&str], needle: &[String]) -> bool {
    !needle.is_empty()
        && hay.len() >= needle.len()
        && hay
            .windows(needle.len())
            .any(|window| window.iter().zip(needle).all(|(a, b)| *a == b.as_str()))
}

/// Guesses the field of each header (one answer per header, `None` when nothing fits). A field is
/// given at most once; see the module docs for the two passes and the tie rules. Deterministic.
pub fn guess(kind: ImportKind, headers: &[String]) -> Vec<Option<&'static str>> {
    let synonyms = normalized(kind);
    let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    let mut out: Vec<Option<&'static str>> = vec![None; headers.len()];
    let mut taken: Vec<&'static str> = Vec::new();

    for (slot, header) in out.iter_mut().zip(&normalized) {
        if header.is_empty() {
            continue;
        }
        let found = synonyms
            .iter()
            .find(|(field, list)| !taken.contains(field) && list.iter().any(|s| s.text == *header));
        if let Some((field, _)) = found {
            *slot = Some(*field);
            taken.push(field);
        }
    }

    for (slot, header) in out.iter_mut().zip(&normalized) {
        if slot.is_some() || header.is_empty() {
            continue;
        }
        let words: Vec<&str> = header.split(' ').collect();
        let mut best: Option<(&'static str, usize)> = None;
        for (field, list) in synonyms {
            if taken.contains(field) {
                continue;
            }
            for synonym in list {
                let len = synonym.text.chars().count();
                if best.is_none_or(|(_, best_len)| len > best_len)
                    && contains_words(&words, &synonym.words)
                {
                    best = Some((field, len));
                }
            }
        }
        if let Some((field, _)) = best {
            *slot = Some(field);
            taken.push(field);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalize_folds_case_punctuation_and_yo() {
        assert_eq!(normalize_header("  E-mail_Адреса "), "e mail адреса");
        assert_eq!(normalize_header("Тел."), "тел");
        assert_eq!(normalize_header("Ёмкость\u{a0}\u{a0}(шт.)"), "емкость шт");
        assert_eq!(normalize_header("№ замовлення"), "номер замовлення");
        assert_eq!(normalize_header("Ім'я"), "ім я");
        assert_eq!(normalize_header("К-сть"), "к сть");
        assert_eq!(normalize_header(""), "");
        assert_eq!(normalize_header(" ,.; "), "");
    }

    #[test]
    fn fields_of_every_kind_have_synonyms() {
        for kind in [
            ImportKind::Clients,
            ImportKind::Contacts,
            ImportKind::Leads,
            ImportKind::Orders,
        ] {
            let listed: Vec<&str> = table(kind).iter().map(|(f, _)| *f).collect();
            assert_eq!(listed, fields(kind), "{kind:?}");
        }
    }

    #[test]
    fn ukrainian_client_export() {
        let got = guess(
            ImportKind::Clients,
            &headers(&[
                "Код клієнта",
                "Назва",
                "Код ЄДРПОУ",
                "Телефон мобільний",
                "Ел. пошта",
                "Місто",
                "Адреса",
                "Відповідальний",
                "Дата народження",
                "Контактна особа",
                "Посада",
                "Примітка",
            ]),
        );
        assert_eq!(
            got,
            vec![
                Some("external_ref"),
                Some("name"),
                Some("tax_id"),
                Some("phone"),
                Some("email"),
                Some("region"),
                Some("address"),
                Some("owner"),
                Some("birth_date"),
                Some("contact_name"),
                Some("contact_position"),
                None,
            ]
        );
    }

    #[test]
    fn russian_client_export_from_1c() {
        let got = guess(
            ImportKind::Clients,
            &headers(&[
                "Наименование",
                "ИНН",
                "Телефон",
                "E-mail",
                "Город",
                "Юридический адрес",
                "Ответственный",
                "Вид деятельности",
                "Сайт",
            ]),
        );
        assert_eq!(
            got,
            vec![
                Some("name"),
                Some("tax_id"),
                Some("phone"),
                Some("email"),
                Some("region"),
                Some("address"),
                Some("owner"),
                Some("industry"),
                Some("website"),
            ]
        );
    }

    #[test]
    fn english_client_export_and_each_field_once() {
        let got = guess(
            ImportKind::Clients,
            &headers(&[
                "ID", "Company", "VAT", "Phone", "Mobile", "Email", "City", "Tags", "Birthday",
                "Customer",
            ]),
        );
        assert_eq!(
            got,
            vec![
                Some("external_ref"),
                Some("name"),
                Some("tax_id"),
                Some("phone"),
                None, // phone is taken by the first header
                Some("email"),
                Some("region"),
                Some("tags"),
                Some("birth_date"),
                None,
            ]
        );
    }

    #[test]
    fn leads_name_is_the_person_and_company_separate() {
        let got = guess(
            ImportKind::Leads,
            &headers(&[
                "Дата звернення",
                "ПІБ",
                "Компанія",
                "Тел.",
                "Email",
                "Потреба",
                "Джерело",
                "utm_medium",
                "Менеджер",
            ]),
        );
        assert_eq!(
            got,
            vec![
                Some("created_at"),
                Some("name"),
                Some("company"),
                Some("phone"),
                Some("email"),
                Some("need"),
                Some("source"),
                Some("channel"),
                Some("owner"),
            ]
        );
    }

    #[test]
    fn orders_from_a_shop_and_from_1c() {
        let got = guess(
            ImportKind::Orders,
            &headers(&[
                "№ замовлення",
                "Дата",
                "Код клієнта",
                "Клієнт",
                "ЄДРПОУ",
                "Артикул",
                "Номенклатура",
                "К-сть",
                "Ціна",
                "Сума",
                "Статус",
            ]),
        );
        assert_eq!(
            got,
            vec![
                Some("external_ref"),
                Some("placed_at"),
                Some("client_ref"),
                Some("client_name"),
                Some("client_tax_id"),
                Some("sku"),
                Some("product"),
                Some("quantity"),
                Some("price"),
                Some("total"),
                Some("status"),
            ]
        );
        let got = guess(
            ImportKind::Orders,
            &headers(&[
                "Order No",
                "Order date",
                "Customer email",
                "Customer phone",
                "SKU",
                "Qty",
                "Unit price",
                "Total",
            ]),
        );
        assert_eq!(
            got,
            vec![
                Some("external_ref"),
                Some("placed_at"),
                Some("client_email"),
                Some("client_phone"),
                Some("sku"),
                Some("quantity"),
                Some("price"),
                Some("total"),
            ]
        );
        let got = guess(
            ImportKind::Orders,
            &headers(&["Номер заказа", "Дата заказа", "Количество", "Цена", "Итого"]),
        );
        assert_eq!(
            got,
            vec![
                Some("external_ref"),
                Some("placed_at"),
                Some("quantity"),
                Some("price"),
                Some("total"),
            ]
        );
    }

    #[test]
    fn contacts_keep_client_and_person_apart() {
        let got = guess(
            ImportKind::Contacts,
            &headers(&["Клиент", "ИНН", "ФИО", "Должность", "Моб. телефон", "Почта"]),
        );
        assert_eq!(
            got,
            vec![
                Some("client_name"),
                Some("client_tax_id"),
                Some("name"),
                Some("position"),
                Some("phone"),
                Some("email"),
            ]
        );
    }

    #[test]
    fn contains_prefers_the_longest_synonym_and_whole_words() {
        // «Код ЄДРПОУ контрагента» contains both «код» and «код єдрпоу»: tax_id either way, and
        // «Телефонна книга» is not «телефон» (whole words only).
        let got = guess(
            ImportKind::Clients,
            &headers(&["Код ЄДРПОУ контрагента", "Телефонна книга", "", "Назва"]),
        );
        assert_eq!(got, vec![Some("tax_id"), None, None, Some("name")]);
        // An exact match anywhere beats a contains match earlier in the row.
        let got = guess(
            ImportKind::Clients,
            &headers(&["Телефон мобільний", "Телефон"]),
        );
        assert_eq!(got, vec![None, Some("phone")]);
    }

    #[test]
    fn guess_is_empty_for_no_headers() {
        assert!(guess(ImportKind::Leads, &[]).is_empty());
    }
}
