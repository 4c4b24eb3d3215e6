"""The knowledge base a new installation starts with (loaded by migration 0002).

Edit articles in the admin afterwards; this file is only the starting point.
"""

ARTICLES: list[dict[str, object]] = [
    {
        "slug": "refunds",
        "title": "Refunds",
        "intents": ["refund"],
        "keywords": "refund, money back, refunded, reimburse, paisa, panam, thirichu, പണം, റീഫണ്ട്",
        "body_en": (
            "Refunds go back to the original payment method within 5-7 working days after the "
            "seller receives the returned item (UPI and wallets are usually faster, 1-3 days). "
            "Cash-on-delivery orders are refunded to your bank account or UPI ID. If a refund "
            "is late, share your order number and we will check it."
        ),
        "body_ml": (
            "തിരിച്ചയച്ച സാധനം വിൽപ്പനക്കാരന് ലഭിച്ച ശേഷം 5-7 പ്രവൃത്തി ദിവസത്തിനുള്ളിൽ പണം "
            "നിങ്ങൾ പണമടച്ച അതേ രീതിയിലേക്ക് തിരികെ ലഭിക്കും (UPI, വാലറ്റ് എന്നിവയ്ക്ക് സാധാരണ "
            "1-3 ദിവസം). ക്യാഷ് ഓൺ ഡെലിവറി ഓർഡറുകളുടെ പണം നിങ്ങളുടെ ബാങ്ക് അക്കൗണ്ടിലേക്കോ UPI "
            "ഐഡിയിലേക്കോ നൽകും. റീഫണ്ട് വൈകിയാൽ ഓർഡർ നമ്പർ അയക്കൂ, ഞങ്ങൾ പരിശോധിക്കാം."
        ),
        "body_ml_latn": (
            "Return cheytha saadhanam seller-nu kittiyathinu shesham 5-7 working days-inullil "
            "panam ningal pay cheytha athe reethiyilekku thirichu varum (UPI, wallet aanenkil "
            "saadharana 1-3 divasam). Cash on delivery order-inte panam ningalude bank "
            "account-ilekko UPI ID-ilekko tharum. Refund vaikiyaal order number ayakkoo, "
            "njangal nokkaam."
        ),
    },
    {
        "slug": "returns",
        "title": "Returns and replacements",
        "intents": ["return"],
        "keywords": (
            "return, replace, replacement, exchange, damaged, wrong item, thirichu ayakkan, "
            "maatti, തിരിച്ചയക്കാൻ, മാറ്റി"
        ),
        "body_en": (
            "Most items can be returned within 7 days of delivery (handloom and perishable items "
            "within 2 days, only if damaged). Open the order in My Orders, choose Return or "
            "Replace and pick a reason; a courier collects it from your address. Keep the item "
            "unused with its tags."
        ),
        "body_ml": (
            "മിക്ക സാധനങ്ങളും ഡെലിവറി കഴിഞ്ഞ് 7 ദിവസത്തിനുള്ളിൽ തിരിച്ചയക്കാം (കൈത്തറി, "
            "പെട്ടെന്ന് കേടാകുന്ന സാധനങ്ങൾ കേടുണ്ടെങ്കിൽ മാത്രം, 2 ദിവസത്തിനുള്ളിൽ). My Orders-ൽ "
            "ഓർഡർ തുറന്ന് Return അല്ലെങ്കിൽ Replace തിരഞ്ഞെടുക്കുക; കൊറിയർ നിങ്ങളുടെ വിലാസത്തിൽ "
            "നിന്ന് എടുക്കും. സാധനം ഉപയോഗിക്കാതെ ടാഗോടെ സൂക്ഷിക്കുക."
        ),
        "body_ml_latn": (
            "Mikka saadhanangalum delivery kazhinju 7 divasathinullil thirichu ayakkaam "
            "(handloom, pettennu kedaakunna saadhanangal kedundenkil maathram, 2 divasathinullil). "
            "My Orders-il order thurannu Return allenkil Replace thiranjedukkuka; courier "
            "ningalude address-il ninnu edukkum. Saadhanam upayogikkaathe tag-ode sookshikkuka."
        ),
    },
    {
        "slug": "cancellation",
        "title": "Cancelling an order",
        "intents": ["cancel_order"],
        "keywords": "cancel, cancellation, dont want, venda, cancel cheyyan, റദ്ദാക്കാൻ, ക്യാൻസൽ",
        "body_en": (
            "You can cancel an order from My Orders until it is shipped; prepaid orders are "
            "refunded in full within 5-7 working days. Once shipped, you can refuse the "
            "delivery or return it after it arrives."
        ),
        "body_ml": (
            "ഷിപ്പ് ചെയ്യുന്നതുവരെ My Orders-ൽ നിന്ന് ഓർഡർ റദ്ദാക്കാം; മുൻകൂട്ടി പണമടച്ച "
            "ഓർഡറുകളുടെ മുഴുവൻ തുകയും 5-7 പ്രവൃത്തി ദിവസത്തിനുള്ളിൽ തിരികെ ലഭിക്കും. ഷിപ്പ് "
            "ചെയ്ത ശേഷം ഡെലിവറി നിരസിക്കുകയോ ലഭിച്ച ശേഷം തിരിച്ചയക്കുകയോ ചെയ്യാം."
        ),
        "body_ml_latn": (
            "Ship cheyyunnathu vare My Orders-il ninnu order cancel cheyyaam; prepaid order-inte "
            "muzhuvan thukayum 5-7 working days-inullil thirichu kittum. Ship cheythathinu "
            "shesham delivery refuse cheyyukayo kittiyathinu shesham return cheyyukayo aavaam."
        ),
    },
    {
        "slug": "delivery-times",
        "title": "Delivery times across Kerala",
        "intents": ["delivery", "order_status"],
        "keywords": "delivery, deliver, shipping, courier, days, late, delay, ethum, eppol, "
        "വരും, ഡെലിവറി, thiruvananthapuram, kochi, ernakulam, kozhikode, thrissur, kannur, "
        "wayanad, idukki, kasaragod, kollam, alappuzha, palakkad, malappuram, pathanamthitta, "
        "kottayam",
        "body_en": (
            "Delivery takes 1-2 days within Kochi, Thiruvananthapuram and Kozhikode cities, 2-4 "
            "days elsewhere in Kerala, and up to 6 days in hilly areas of Idukki and Wayanad. "
            "Orders placed before 2 pm ship the same day. You get tracking details by SMS once "
            "the order ships."
        ),
        "body_ml": (
            "കൊച്ചി, തിരുവനന്തപുരം, കോഴിക്കോട് നഗരങ്ങളിൽ 1-2 ദിവസം, കേരളത്തിലെ മറ്റിടങ്ങളിൽ 2-4 "
            "ദിവസം, ഇടുക്കി, വയനാട് മലയോര മേഖലകളിൽ 6 ദിവസം വരെ ഡെലിവറിക്ക് എടുക്കും. ഉച്ചയ്ക്ക് 2 "
            "മണിക്ക് മുമ്പുള്ള ഓർഡറുകൾ അന്നുതന്നെ ഷിപ്പ് ചെയ്യും. ഷിപ്പ് ചെയ്താൽ ട്രാക്കിംഗ് വിവരം "
            "SMS ആയി ലഭിക്കും."
        ),
        "body_ml_latn": (
            "Kochi, Thiruvananthapuram, Kozhikode nagarangalil 1-2 divasam, Keralathile "
            "mattidangalil 2-4 divasam, Idukki, Wayanad malayora mekhalakalil 6 divasam vare "
            "delivery-kku edukkum. Uchakku 2 manikku munpulla order annu thanne ship cheyyum. "
            "Ship cheythaal tracking vivaram SMS aayi kittum."
        ),
    },
    {
        "slug": "cash-on-delivery",
        "title": "Cash on delivery",
        "intents": ["payment"],
        "keywords": "cod, cash on delivery, cash, pay on delivery, cash kodukkan, ക്യാഷ് ഓൺ ഡെലിവറി",
        "body_en": (
            "Cash on delivery is available for orders up to ₹10,000 across Kerala. You can pay "
            "the courier in cash or by UPI at the door. A ₹29 handling fee applies to COD "
            "orders under ₹499."
        ),
        "body_ml": (
            "കേരളത്തിലുടനീളം ₹10,000 വരെയുള്ള ഓർഡറുകൾക്ക് ക്യാഷ് ഓൺ ഡെലിവറി ലഭ്യമാണ്. "
            "കൊറിയറിന് പണമായോ വാതിൽക്കൽ UPI വഴിയോ നൽകാം. ₹499-ൽ താഴെയുള്ള COD ഓർഡറുകൾക്ക് ₹29 "
            "ഹാൻഡ്‌ലിംഗ് ഫീസ് ഉണ്ട്."
        ),
        "body_ml_latn": (
            "Keralathil ellayidathum ₹10,000 vareyulla order-kku cash on delivery undu. "
            "Courier-nu cash aayo vaathilkkal UPI vazhiyo kodukkaam. ₹499-il thaazheyulla COD "
            "order-kku ₹29 handling fee undu."
        ),
    },
    {
        "slug": "payment-failures",
        "title": "Payment failed or money deducted",
        "intents": ["payment"],
        "keywords": "payment failed, deducted, debited, upi, card, transaction, money cut, "
        "paisa poyi, panam poyi, പണം പോയി, പേയ്മെന്റ്",
        "body_en": (
            "If money was deducted but the order was not placed, the bank reverses it "
            "automatically within 5 working days; you do not need to do anything. If the order "
            "shows as placed, it is confirmed. We accept UPI, cards, net banking, wallets and "
            "cash on delivery."
        ),
        "body_ml": (
            "പണം പോയിട്ടും ഓർഡർ ആയില്ലെങ്കിൽ, 5 പ്രവൃത്തി ദിവസത്തിനുള്ളിൽ ബാങ്ക് അത് സ്വയം "
            "തിരികെ നൽകും; നിങ്ങൾ ഒന്നും ചെയ്യേണ്ടതില്ല. ഓർഡർ placed എന്ന് കാണിക്കുന്നുണ്ടെങ്കിൽ "
            "അത് ഉറപ്പായി. UPI, കാർഡ്, നെറ്റ് ബാങ്കിംഗ്, വാലറ്റ്, ക്യാഷ് ഓൺ ഡെലിവറി എന്നിവ "
            "സ്വീകരിക്കും."
        ),
        "body_ml_latn": (
            "Panam poyittum order aayillenkil, 5 working days-inullil bank athu swayam thirichu "
            "tharum; ningal onnum cheyyendathilla. Order placed ennu kaanikkunnundenkil athu "
            "urappaayi. UPI, card, net banking, wallet, cash on delivery ellaam sweekarikkum."
        ),
    },
    {
        "slug": "selling",
        "title": "Selling on Kerala Sellers",
        "intents": ["account"],
        "keywords": "sell, seller, selling, shop, register, vilkkan, kada, വിൽക്കാൻ, സെല്ലർ",
        "body_en": (
            "To sell on Kerala Sellers, register at Seller Hub with your GSTIN (or PAN for "
            "small artisans), bank account and pickup address. Listing is free; we take a 5-12% "
            "commission per sale depending on the category and pay out every 7 days."
        ),
        "body_ml": (
            "Kerala Sellers-ൽ വിൽക്കാൻ GSTIN (ചെറുകിട കരകൗശലക്കാർക്ക് PAN), ബാങ്ക് അക്കൗണ്ട്, "
            "പിക്കപ്പ് വിലാസം എന്നിവയോടെ Seller Hub-ൽ രജിസ്റ്റർ ചെയ്യുക. ലിസ്റ്റിംഗ് സൗജന്യമാണ്; "
            "വിഭാഗം അനുസരിച്ച് ഓരോ വിൽപ്പനയ്ക്കും 5-12% കമ്മീഷൻ; 7 ദിവസം കൂടുമ്പോൾ പണം നൽകും."
        ),
        "body_ml_latn": (
            "Kerala Sellers-il vilkkaan GSTIN (cheriya artisans-nu PAN), bank account, pickup "
            "address ennivayode Seller Hub-il register cheyyuka. Listing free aanu; category "
            "anusarichu oro sale-num 5-12% commission; 7 divasam koodumbol panam tharum."
        ),
    },
    {
        "slug": "account-access",
        "title": "Account, login and password",
        "intents": ["account"],
        "keywords": "account, login, password, otp, sign in, email, phone number, profile, "
        "login cheyyan, അക്കൗണ്ട്, പാസ്‌വേഡ്",
        "body_en": (
            "To reset your password, tap Forgot password on the login page; we send an OTP to "
            "your registered mobile number. To change your phone number or email, go to "
            "Account > Profile. We never ask for your OTP or card PIN in chat."
        ),
        "body_ml": (
            "പാസ്‌വേഡ് മാറ്റാൻ ലോഗിൻ പേജിലെ Forgot password അമർത്തുക; രജിസ്റ്റർ ചെയ്ത മൊബൈൽ "
            "നമ്പറിലേക്ക് OTP അയക്കും. ഫോൺ നമ്പറോ ഇമെയിലോ മാറ്റാൻ Account > Profile-ൽ പോകുക. "
            "ചാറ്റിൽ ഞങ്ങൾ ഒരിക്കലും OTP-യോ കാർഡ് PIN-ഓ ചോദിക്കില്ല."
        ),
        "body_ml_latn": (
            "Password maattaan login page-ile Forgot password amarthuka; register cheytha "
            "mobile number-ilekku OTP ayakkum. Phone number-o email-o maattaan Account > "
            "Profile-il pokuka. Chat-il njangal orikkalum OTP-o card PIN-o chodikkilla."
        ),
    },
    {
        "slug": "complaints",
        "title": "Complaints about a seller or a product",
        "intents": ["complaint"],
        "keywords": "complaint, bad, fake, poor quality, rude, worst, cheated, parathi, mosham, "
        "പരാതി, മോശം",
        "body_en": (
            "We are sorry. Tell us the order number and what went wrong; you can also attach "
            "photos under My Orders > Report a problem. Damaged, fake or wrong items are "
            "replaced or refunded in full, and the seller is reviewed."
        ),
        "body_ml": (
            "ക്ഷമിക്കണം. ഓർഡർ നമ്പറും എന്താണ് പ്രശ്നമെന്നും പറയൂ; My Orders > Report a problem-ൽ "
            "ഫോട്ടോകളും ചേർക്കാം. കേടായതോ വ്യാജമോ തെറ്റായതോ ആയ സാധനങ്ങൾ മാറ്റി നൽകുകയോ മുഴുവൻ "
            "തുകയും തിരികെ നൽകുകയോ ചെയ്യും; വിൽപ്പനക്കാരനെതിരെ പരിശോധനയും ഉണ്ടാകും."
        ),
        "body_ml_latn": (
            "Kshamikkanam. Order number-um enthaanu prashnam ennum parayoo; My Orders > Report "
            "a problem-il photo-kalum cherkkaam. Kedaayatho vyaajamo thettaayatho aaya "
            "saadhanangal maatti tharukayo muzhuvan thukayum thirichu tharukayo cheyyum."
        ),
    },
]
