#!/usr/bin/env python3
"""Writes the CSV fixtures of crm-core/tests/import_files.rs (see README.md here).

Run from anywhere: `python3 crm-core/tests/data/import/make_fixtures.py`. The bytes are spelled out here
(encodings, line endings, byte order marks) because an editor would quietly "fix" them.
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, text: str, encoding: str, newline: str = "\n") -> None:
    data = text.replace("\n", newline).encode(encoding)
    (HERE / name).write_bytes(data)


# Excel's «CSV UTF-8 (розділювачі-коми)» in a Ukrainian locale: a BOM, semicolons, CRLF line ends.
write(
    "clients_utf8_bom_semicolon.csv",
    "Код клієнта;Назва;Код ЄДРПОУ;Телефон;E-mail;Місто\n"
    "C-001;ТОВ Альфа;12345678;+380 67 123 45 67;info@alfa.ua;Київ\n"
    "C-002;ФОП Бондаренко О. П.;3012345678;067-765-43-21;;Львів\n"
    "C-003;ПП «Гамма»;;(044) 555-12-12;office@gamma.com.ua;\n",
    "utf-8-sig",
    newline="\r\n",
)

# An export of 1C in Windows-1251: a title line, the date of the report, semicolons, amounts with a
# non-breaking space (byte 0xA0 in 1251) between thousands and a decimal comma, a trailing semicolon.
write(
    "orders_1c_cp1251.csv",
    "Реализация товаров и услуг;;;;;;;;\n"
    "Период: 01.12.2025 - 31.12.2025;;;;;;;;\n"
    "Номер;Дата;Контрагент;ИНН;Номенклатура;Количество;Цена;Сумма;\n"
    "ЦБ-000123;01.12.2025 10:15:00;ООО \"Ромашка\";1234567890;Бумага А4;2;\u00a0617,25;1\u00a0234,50;\n"
    "ЦБ-000124;02.12.2025 16:40:00;ИП Ёлкин;;Ручка синяя;100;12,00;1\u00a0200,00;\n",
    "cp1251",
    newline="\r\n",
)

# A hand-kept comma file: an address typed with line breaks in one cell (quoted, so the newline is
# part of the cell) and a company name with quotes doubled inside a quoted cell.
write(
    "clients_quoted_newlines.csv",
    'Назва,Адреса,Телефон,Коментар\n'
    '"ТОВ ""Ромашка""","м. Київ,\nвул. Хрещатик, 1,\nоф. 5",+380441234567,"перший ""великий"" клієнт"\n'
    'ПП Сонях,"Одеса, вул. Дерибасівська, 3",0487777777,\n',
    "utf-8",
)

# A sheet saved as CSV by a person: a title row above the table, empty rows (some as bare delimiters,
# some as empty lines), cells padded with spaces and non-breaking spaces, a short row.
write(
    "clients_title_empty_rows.csv",
    "Клієнти станом на 01.01.2025;;;\n"
    ";;;\n"
    "\n"
    "Назва;Телефон;Email;Менеджер\n"
    "  ТОВ Вега\u00a0;0671112233;vega@example.com; Іваненко \n"
    ";;;\n"
    "\n"
    "ФОП Дельта;0502223344\n"
    ";;;\n",
    "utf-8",
)

# Leads copied out of a web form's admin page: tab-separated, Russian headers, an empty cell at the end.
write(
    "leads_tab.tsv",
    "Дата обращения\tФИО\tКомпания\tТелефон\tПотребность\tИсточник\n"
    "31.12.2025 14:30\tПетров Пётр\tООО Север\t+7 (495) 123-45-67\tНужна CRM на 10 мест\tgoogle\n"
    "01.01.2026 09:00\tSmith, John\t\t+44 20 7946 0958\t\t\n",
    "utf-8",
)
