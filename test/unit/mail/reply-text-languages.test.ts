/**
 * extractNewText per language: the attribution lines, "original message" separators, Outlook
 * header blocks and mobile signatures that mail programs write, one table per rule. Every
 * case is a reply "REPLY" above the marker, with quoted or unquoted history below; the
 * expected new text is "REPLY" alone.
 */
import { describe, expect, it } from "vitest";
import { extractNewText } from "../../../src/mail/reply-text.js";

const REPLY = "Danke, das Paket ist da.\nBis bald";
const QUOTE = "> Your order has shipped.\n> Track it here.";

/** [language, attribution as the client writes it (may wrap over lines)] */
const attributions: [string, string][] = [
  ["en Gmail", "On Mon, Jan 1, 2024 at 9:00 AM Shop <hello@shop.example.com> wrote:"],
  ["en Gmail wrapped", "On Mon, Jan 1, 2024 at 9:00 AM Rapport Shop <\nhello@shop.example.com> wrote:"],
  ["en Apple Mail", "On 1 Jan 2024, at 09:00, Shop <hello@shop.example.com> wrote:"],
  ["en Apple Mail, no address", "On Jan 1, 2024, at 9:00 AM, Shop wrote:"],
  ["en Outlook mobile", 'On Mon, Jan 1, 2024 at 9:00 AM +0100, "Shop" <hello@shop.example.com> wrote:'],
  ["en Thunderbird", "On 01/01/2024 09:00, Shop wrote:"],
  ["en name and address only", "Rapport Shop <hello@shop.example.com> wrote:"],
  ["en sent", "On 1 Jan 2024, at 09:00, Shop <hello@shop.example.com> sent:"],
  ["en Android dashes", "---- Rapport Shop wrote ----"],
  ["de Gmail", "Am Mo., 1. Jan. 2024 um 09:00 Uhr schrieb Shop <hello@shop.example.com>:"],
  ["de Apple Mail", "Am 01.01.2024 um 09:00 schrieb Shop <hello@shop.example.com>:"],
  ["de Outlook web", "Shop <hello@shop.example.com> schrieb am Mo., 1. Jan. 2024, 09:00:"],
  ["fr Gmail", "Le lun. 1 janv. 2024 à 09:00, Shop <hello@shop.example.com> a écrit :"],
  ["fr Gmail wrapped", "Le lun. 1 janv. 2024 à 09:00, Shop <hello@shop.example.com>\na écrit :"],
  ["es Gmail", "El lun, 1 ene 2024 a las 9:00, Shop (<hello@shop.example.com>) escribió:"],
  ["es wrapped", "El lun, 1 ene 2024 a las 9:00, Shop (<hello@shop.example.com>)\nescribió:"],
  ["it Gmail", "Il giorno lun 1 gen 2024 alle ore 09:00 Shop <hello@shop.example.com> ha scritto:"],
  ["it wrapped", "Il giorno lun 1 gen 2024 alle ore 09:00 Shop <hello@shop.example.com>\nha scritto:"],
  ["nl Gmail", "Op ma 1 jan 2024 om 09:00 schreef Shop <hello@shop.example.com>:"],
  ["nl Apple Mail", "Op 1 jan. 2024 om 09:00 heeft Shop <hello@shop.example.com> het volgende geschreven:"],
  ["da Gmail", "Den man. 1. jan. 2024 kl. 09.00 skrev Shop <hello@shop.example.com>:"],
  ["da Gmail, date first", "1. jan. 2024 kl. 09.00 skrev Shop <hello@shop.example.com>:"],
  ["no Gmail", "man. 1. jan. 2024 kl. 09:00 skrev Shop <hello@shop.example.com>:"],
  ["no Apple Mail", "På 1. jan. 2024 kl. 09:00 skrev Shop <hello@shop.example.com>:"],
  ["sv Gmail", "Den mån 1 jan. 2024 kl 09:00 skrev Shop <hello@shop.example.com>:"],
  ["sv Thunderbird", "Den 2024-01-01 kl. 09:00, skrev Shop:"],
  ["pl Thunderbird", "W dniu 1.01.2024 o 09:00, Shop pisze:"],
  ["pl Gmail", "pon., 1 sty 2024 o 09:00 Shop <hello@shop.example.com> napisał(a):"],
  ["pl wrapped", "W dniu 1 stycznia 2024 09:00 użytkownik Shop <hello@shop.example.com>\nnapisał:"],
  ["pt Gmail", "Em seg., 1 de jan. de 2024 às 09:00, Shop <hello@shop.example.com> escreveu:"],
  ["pt-PT", "Shop <hello@shop.example.com> escreveu no dia segunda, 1/01/2024 à(s) 09:00:"],
  ["ru Gmail (no verb)", "пн, 1 янв. 2024 г. в 09:00, Shop <hello@shop.example.com>:"],
  ["ru Apple Mail", "1 января 2024 г., в 9:00, Shop <hello@shop.example.com> написал(а):"],
  ["ru Thunderbird", "01.01.2024 9:00, Shop пишет:"],
  [
    "ru Android wrapped",
    '01.01.2024 09:00 пользователь "hello@shop.example.com" <\nhello@shop.example.com> написал:',
  ],
  ["ru mail.ru", "Понедельник, 1 января 2024, 9:00 +03:00 от Shop <hello@shop.example.com>:"],
  ["ru Yandex", '01.01.2024, 09:00, "Shop" <hello@shop.example.com>:'],
  ["ja Gmail", "2024年1月1日(月) 9:00 Shop <hello@shop.example.com>:"],
  ["ja Apple Mail", "2024/01/01 9:00、Shop <hello@shop.example.com>のメール:"],
  ["vi Gmail", "Vào Th 2, 1 thg 1, 2024 vào lúc 09:00 Shop <hello@shop.example.com> đã viết:"],
  ["vi Apple Mail", "Vào 09:00 1 tháng 1, 2024, Shop <hello@shop.example.com> đã viết:"],
  ["zh-CN Gmail", "Shop <hello@shop.example.com> 于2024年1月1日周一 09:00写道："],
  ["zh-TW Gmail", "Shop <hello@shop.example.com> 於 2024年1月1日 週一 上午9:00寫道："],
  ["zh Apple Mail", "在 2024年1月1日，09:00，Shop <hello@shop.example.com> 写道："],
  ["ISO-date Gmail", "2024-01-01 9:00 GMT+01:00 Shop <hello@shop.example.com>:"],
  ["ISO-date Gmail, old", "2024/1/1 Shop <hello@shop.example.com>"],
  ["fi", "Shop <hello@shop.example.com> kirjoitti 1.1.2024 kello 9.00:"],
  ["cs", "Dne 1. 1. 2024 9:00 Shop <hello@shop.example.com> napsal(a):"],
];

describe("attribution lines, with quoted history below", () => {
  it.each(attributions)("%s", (_lang, attribution) => {
    expect(extractNewText(`${REPLY}\n\n${attribution}\n\n${QUOTE}`)).toBe(REPLY);
  });
});

describe("attribution lines right under the reply (Gmail for Android leaves no blank line)", () => {
  it.each(attributions)("%s", (_lang, attribution) => {
    expect(extractNewText(`${REPLY}\n${attribution}\n${QUOTE}`)).toBe(REPLY);
  });
});

describe("attribution lines with an address, unquoted history below (Outlook style)", () => {
  const withAddress = attributions.filter(([, a]) => a.includes("@") || a.startsWith("----"));
  it.each(withAddress)("%s", (_lang, attribution) => {
    expect(extractNewText(`${REPLY}\n\n${attribution}\n\nYour order has shipped.\nTrack it here.`)).toBe(
      REPLY,
    );
  });
});

/** [language, separator line] */
const separators: [string, string][] = [
  ["en", "-----Original Message-----"],
  ["en spaced", "----- Original Message -----"],
  ["en Samsung", "-------- Original message --------"],
  ["de", "-----Ursprüngliche Nachricht-----"],
  ["fr", "-----Message d'origine-----"],
  ["es", "-----Mensaje original-----"],
  ["it", "-----Messaggio originale-----"],
  ["nl", "-----Oorspronkelijk bericht-----"],
  ["da", "-----Oprindelig meddelelse-----"],
  ["no", "-----Opprinnelig melding-----"],
  ["sv", "-----Ursprungligt meddelande-----"],
  ["pl", "-----Wiadomość oryginalna-----"],
  ["pt", "-----Mensagem original-----"],
  ["ru", "-----Исходное сообщение-----"],
  ["ja", "-----元のメッセージ-----"],
  ["vi", "-----Thư gốc-----"],
  ["zh QQ", "------------------ 原始邮件 ------------------"],
];

describe("original-message separators", () => {
  it.each(separators)("%s", (_lang, separator) => {
    expect(
      extractNewText(`${REPLY}\n\n${separator}\nFrom: Shop\nSent: today\n\nYour order has shipped.`),
    ).toBe(REPLY);
  });
});

/** [language, header block as Outlook (or a webmail) writes it] */
const headerBlocks: [string, string][] = [
  [
    "en",
    "From: Shop <hello@shop.example.com>\nSent: Monday, January 1, 2024 9:00 AM\nTo: Jane\nSubject: Your order",
  ],
  [
    "en bold",
    "*From:* Shop [mailto:hello@shop.example.com]\n*Sent:* Monday, January 1, 2024 9:00 AM\n*To:* Jane",
  ],
  [
    "en Date first",
    "Date: Mon, 1 Jan 2024 09:00:00 +0100\nFrom: hello@shop.example.com\nTo: jane@example.com",
  ],
  ["en Date and To only", "Date: Mon, 1 Jan 2024 09:00:00 +0100\nTo: jane@example.com"],
  ["en on one line", "Date: Mon, 1 Jan 2024 09:00 From: hello@shop.example.com To: Jane Subject: Your order"],
  [
    "en wrapped value",
    "From: Shop [mailto:\nhello@shop.example.com]\nSent: Monday, January 1, 2024\nTo: Jane",
  ],
  ["en blank lines between fields", "From: Shop\n\nSent: Monday, January 1, 2024\n\nTo: Jane"],
  [
    "de",
    "Von: Shop <hello@shop.example.com>\nGesendet: Montag, 1. Januar 2024 09:00\nAn: Jane\nBetreff: Ihre Bestellung",
  ],
  [
    "fr",
    "De : Shop [mailto:hello@shop.example.com]\nEnvoyé : lundi 1 janvier 2024 09:00\nÀ : Jane\nObjet : Votre commande",
  ],
  [
    "es",
    "De: Shop <hello@shop.example.com>\nEnviado el: lunes, 1 de enero de 2024 9:00\nPara: Jane\nAsunto: Su pedido",
  ],
  [
    "it",
    "Da: Shop <hello@shop.example.com>\nInviato: lunedì 1 gennaio 2024 09:00\nA: Jane\nOggetto: Il tuo ordine",
  ],
  [
    "nl",
    "Van: Shop <hello@shop.example.com>\nVerzonden: maandag 1 januari 2024 09:00\nAan: Jane\nOnderwerp: Uw bestelling",
  ],
  ["da", "Fra: Shop <hello@shop.example.com>\nSendt: 1. januar 2024 09:00\nTil: Jane\nEmne: Din ordre"],
  [
    "no",
    "Fra: Shop <hello@shop.example.com>\nSendt: mandag 1. januar 2024 09:00\nTil: Jane\nEmne: Din ordre",
  ],
  [
    "sv",
    "Från: Shop <hello@shop.example.com>\nSkickat: den 1 januari 2024 09:00\nTill: Jane\nÄmne: Din order",
  ],
  [
    "pl",
    "Od: Shop <hello@shop.example.com>\nWysłano: poniedziałek, 1 stycznia 2024 09:00\nDo: Jane\nTemat: Zamówienie",
  ],
  [
    "pt",
    "De: Shop <hello@shop.example.com>\nEnviada em: segunda-feira, 1 de janeiro de 2024 09:00\nPara: Jane\nAssunto: Pedido",
  ],
  ["ru", "От: Shop <hello@shop.example.com>\nОтправлено: 1 января 2024 г. 9:00\nКому: Jane\nТема: Заказ"],
  ["ja", "差出人: Shop <hello@shop.example.com>\n送信日時: 2024年1月1日 9:00\n宛先: Jane\n件名: ご注文"],
  [
    "vi",
    "Từ: Shop <hello@shop.example.com>\nĐã gửi: Thứ Hai, 1 tháng 1, 2024 09:00\nĐến: Jane\nChủ đề: Đơn hàng",
  ],
  ["zh", "发件人: Shop <hello@shop.example.com>\n发送时间: 2024年1月1日 9:00\n收件人: Jane\n主题: 订单"],
  ["zh full-width colon", "发件人：Shop <hello@shop.example.com>\n发送时间：2024年1月1日 9:00\n收件人：Jane"],
];

describe("header blocks (history without > marks below them)", () => {
  it.each(headerBlocks)("%s", (_lang, block) => {
    expect(extractNewText(`${REPLY}\n\n${block}\n\nYour order has shipped.`)).toBe(REPLY);
  });
  it.each(headerBlocks)("%s, under an underscore rule", (_lang, block) => {
    expect(extractNewText(`${REPLY}\n________________________________\n${block}\n\nShipped.`)).toBe(REPLY);
  });
});

/** [language, client line] */
const clientSignatures: [string, string][] = [
  ["en iPhone", "Sent from my iPhone"],
  ["en Samsung", "Sent from my Samsung Galaxy smartphone."],
  ["en Verizon", "Sent from my Verizon, Samsung Galaxy smartphone"],
  ["en Yahoo", "Sent from Yahoo Mail on Android"],
  ["en Mail for Windows", "Sent from Mail for Windows"],
  ["en Outlook iOS with link", "Get Outlook for iOS<https://aka.ms/o0ukef>"],
  ["en Outlook Android", "Get Outlook for Android"],
  ["en Proton", "Sent with Proton Mail secure email."],
  ["en Acompli", "Sent from Acompli"],
  ["en BlackBerry", "Sent from my Verizon Wireless BlackBerry"],
  ["de", "Von meinem iPhone gesendet"],
  ["de 2", "Gesendet von meinem iPad"],
  ["fr", "Envoyé de mon iPhone"],
  ["es", "Enviado desde mi iPhone"],
  ["it", "Inviato da iPhone"],
  ["nl", "Verstuurd vanaf mijn iPhone"],
  ["da/no", "Sendt fra min iPhone"],
  ["sv", "Skickat från min iPhone"],
  ["pl", "Wysłane z mojego iPhone'a"],
  ["pt", "Enviado do meu iPhone"],
  ["ru", "Отправлено с iPhone"],
  ["ja", "iPhoneから送信"],
  ["vi", "Được gửi từ iPhone của tôi"],
  ["zh", "发自我的iPhone"],
  ["zh-TW", "從我的 iPhone 傳送"],
];

describe("mobile and client signatures", () => {
  it.each(clientSignatures)("%s", (_lang, line) => {
    expect(extractNewText(`${REPLY}\n\n${line}`)).toBe(REPLY);
  });
  it.each(clientSignatures)("%s, above the quote", (_lang, line) => {
    expect(
      extractNewText(
        `${REPLY}\n\n${line}\n\nOn 1 Jan 2024, at 09:00, Shop <hello@shop.example.com> wrote:\n\n${QUOTE}`,
      ),
    ).toBe(REPLY);
  });
});

/** [language, forward separator] — a forward is kept whole: forwarding it is what the person did. */
const forwards: [string, string][] = [
  ["en Gmail", "---------- Forwarded message ---------"],
  ["en Apple", "Begin forwarded message:"],
  ["en Thunderbird", "-------- Forwarded Message --------"],
  ["de", "---------- Weitergeleitete Nachricht ----------"],
  ["fr", "---------- Message transféré ---------"],
  ["es", "---------- Mensaje reenviado ---------"],
  ["ru", "---------- Пересылаемое сообщение ----------"],
];

describe("forwarded messages are kept whole", () => {
  it.each(forwards)("%s", (_lang, separator) => {
    const body = `FYI, see below\n\n${separator}\nFrom: Carrier <track@carrier.example>\nDate: Mon, 1 Jan 2024\nSubject: Delivery failed\n\nWe could not deliver your parcel.`;
    expect(extractNewText(body)).toBe(body);
  });
});
