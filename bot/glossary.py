"""Dutch terms kept as they are through machine translation, with a plain explanation of each.

`protect` swaps each term for a numbered token (XZQ1, XZQ2 ...) that machine translators leave
alone, `restore` puts the exact original words back, and `glossary_notes` gives "term:
explanation" lines in the reader's language. The explanations are content, not UI strings:
they live here, not in the gettext catalogs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

FALLBACK = "en"


@dataclass(frozen=True)
class Term:
    """One Dutch term: how it is written, other forms to keep, and what it means."""

    term: str
    explain: Mapping[str, str]
    forms: tuple[str, ...] = ()
    case_sensitive: bool = False  # acronyms: "DUO" is a term, "duo" is a word


GLOSSARY: tuple[Term, ...] = (
    Term(
        "DigiD",
        {
            "nl": "Je persoonlijke digitale inlog voor websites van de overheid (belasting, "
            "toeslagen, gemeente). Deel hem nooit met iemand.",
            "en": "Your personal digital login for Dutch government websites (taxes, "
            "allowances, municipality). Never share it with anyone.",
            "ar": "تسجيل الدخول الرقمي الشخصي لمواقع الحكومة الهولندية (الضرائب، الإعانات، "
            "البلدية). لا تعطه لأي شخص.",
            "ti": "ናይ መንግስቲ ሆላንድ መርበባት (ግብሪ፣ ሓገዛት፣ ምምሕዳር ከተማ) ንምእታው ዘገልግል "
            "ውልቃዊ ዲጂታላዊ መእተዊ። ንማንም ኣይትሃቦ።",
            "fa_AF": "ورود دیجیتال شخصی شما به ویب‌سایت‌های دولت هالند (مالیات، کمک‌ها، "
            "شاروالی). آن را به هیچ کس ندهید.",
            "so": "Galitaankaaga dhijitaalka ah ee shakhsiga ah ee bogagga dowladda Nederland "
            "(canshuurta, gunnooyinka, degmada). Cidna ha la wadaagin.",
            "uk": "Ваш особистий цифровий вхід на сайти нідерландської влади (податки, "
            "допомоги, муніципалітет). Нікому його не передавайте.",
            "tr": "Hollanda devletinin web sitelerine (vergi, yardımlar, belediye) giriş için "
            "kişisel dijital girişiniz. Kimseyle paylaşmayın.",
        },
    ),
    Term(
        "BSN",
        {
            "nl": "Burgerservicenummer: je persoonlijke nummer voor de overheid, de "
            "Belastingdienst, de dokter en de bank. Je krijgt het bij inschrijving bij de "
            "gemeente.",
            "en": "Citizen service number: your personal number for the government, the tax "
            "office, the doctor and the bank. You get it when you register at the municipality.",
            "ar": "رقم خدمة المواطن: رقمك الشخصي لدى الحكومة ومصلحة الضرائب والطبيب والبنك. "
            "تحصل عليه عند التسجيل في البلدية.",
            "ti": "ቁጽሪ ኣገልግሎት ዜጋ: ምስ መንግስቲ፣ ቤት ጽሕፈት ግብሪ፣ ሓኪምን ባንክን እትጥቀመሉ "
            "ውልቃዊ ቁጽሪኻ። ኣብ ምምሕዳር ከተማ ምስ ተመዝገብካ ትረኽቦ።",
            "fa_AF": "شماره خدمات شهروندی: شماره شخصی شما نزد دولت، اداره مالیات، داکتر و "
            "بانک. وقتی در شاروالی ثبت نام کنید آن را می‌گیرید.",
            "so": "Lambarka adeegga muwaadinka: lambarkaaga gaarka ah ee dowladda, xafiiska "
            "canshuurta, dhakhtarka iyo bangiga. Waxaad helaysaa marka aad iska diiwaangeliso "
            "degmada.",
            "uk": "Номер громадянина: ваш особистий номер для держави, податкової, лікаря і "
            "банку. Ви отримуєте його під час реєстрації в муніципалітеті.",
            "tr": "Vatandaşlık hizmet numarası: devlet, vergi dairesi, doktor ve banka için "
            "kişisel numaranız. Belediyeye kaydolduğunuzda alırsınız.",
        },
        case_sensitive=True,
    ),
    Term(
        "huisarts",
        {
            "nl": "De dokter bij wie je eerst komt met gezondheidsklachten. Schrijf je in bij "
            "een huisarts dicht bij huis.",
            "en": "Family doctor (GP): your first stop for health problems. Register with one "
            "near your home.",
            "ar": "طبيب العائلة (الطبيب العام): أول من تذهب إليه عند أي مشكلة صحية. سجّل لدى "
            "طبيب قريب من بيتك.",
            "ti": "ሓኪም ስድራ: ጸገም ጥዕና ምስ ዘጋጥመካ መጀመርታ እትኸዶ ሓኪም። ኣብ ጥቓ ገዛኻ ዘሎ "
            "ሓኪም ተመዝገብ።",
            "fa_AF": "داکتر فامیلی (داکتر عمومی): اولین جای مراجعه برای مشکلات صحی. نزد یک "
            "داکتر نزدیک خانه تان ثبت نام کنید.",
            "so": "Dhakhtarka qoyska: meesha ugu horreysa ee aad u tagto dhibaatooyinka "
            "caafimaadka. Isku qor dhakhtar u dhow gurigaaga.",
            "uk": "Сімейний лікар: перший, до кого звертаються з проблемами здоров'я. "
            "Зареєструйтеся в лікаря поблизу дому.",
            "tr": "Aile hekimi: sağlık sorunlarında ilk gittiğiniz doktor. Evinize yakın bir "
            "aile hekimine kaydolun.",
        },
        forms=("huisartsen",),
    ),
    Term(
        "gemeente",
        {
            "nl": "Het lokale bestuur van de plaats waar je woont. Schrijft je in en helpt met "
            "inkomen en inburgering.",
            "en": "The municipality: the local council of the town where you live. It registers "
            "you and helps with income and integration.",
            "ar": "البلدية: الإدارة المحلية في المدينة التي تسكن فيها. تسجّلك وتساعدك في الدخل "
            "والاندماج.",
            "ti": "ምምሕዳር ከተማ: ኣብቲ እትነብረሉ ከተማ ዘሎ ከባቢያዊ ምምሕዳር። ይምዝግበካ፣ ብኣታዊን "
            "ብምውህሃድን ይሕግዘካ።",
            "fa_AF": "شاروالی: اداره محلی شهری که در آن زندگی می‌کنید. شما را ثبت می‌کند و در "
            "امور عاید و ادغام کمک می‌کند.",
            "so": "Degmada: maamulka deegaanka ee magaalada aad ku nooshahay. Way ku "
            "diiwaangelisaa, waxayna kaa caawisaa dakhliga iyo is-dhexgalka.",
            "uk": "Муніципалітет: місцева влада міста, де ви живете. Реєструє вас і допомагає "
            "з доходом та інтеграцією.",
            "tr": "Belediye: yaşadığınız yerin yerel yönetimi. Sizi kaydeder, gelir ve uyum "
            "konularında yardım eder.",
        },
        forms=("gemeenten", "gemeentes"),
    ),
    Term(
        "inburgering",
        {
            "nl": "Het traject om Nederlands te leren en het leven in Nederland te leren kennen. "
            "Verplicht voor de meeste nieuwkomers met een verblijfsvergunning.",
            "en": "Civic integration: learning Dutch and about life in the Netherlands. "
            "Required for most newcomers with a residence permit.",
            "ar": "برنامج الاندماج: تعلّم اللغة الهولندية والتعرّف على الحياة في هولندا. إلزامي "
            "لمعظم القادمين الجدد الحاصلين على تصريح إقامة.",
            "ti": "መደብ ምውህሃድ: ሆላንድኛ ምምሃርን ብዛዕባ ናብራ ኣብ ሆላንድ ምፍላጥን። ንመብዛሕትኦም "
            "ፍቓድ መንበሪ ዘለዎም ሓደሽቲ መጻእቲ ግዴታ እዩ።",
            "fa_AF": "برنامه ادغام: آموختن زبان هالندی و آشنایی با زندگی در هالند. برای بیشتر "
            "تازه‌واردانی که اجازه اقامت دارند اجباری است.",
            "so": "Is-dhexgalka: barashada luqadda Nederlandka iyo nolosha Nederland. Waa "
            "waajib inta badan dadka cusub ee haysta sharciga degenaanshaha.",
            "uk": "Інтеграція: вивчення нідерландської мови та життя в Нідерландах. Обов'язкова "
            "для більшості новоприбулих із дозволом на проживання.",
            "tr": "Uyum programı: Hollandaca ve Hollanda'daki yaşamı öğrenmek. Oturma izni olan "
            "yeni gelenlerin çoğu için zorunludur.",
        },
    ),
    Term(
        "zorgtoeslag",
        {
            "nl": "Maandelijks geld van de overheid om de zorgverzekering te betalen, als je "
            "inkomen laag is.",
            "en": "Healthcare allowance: monthly money from the government to help pay for "
            "health insurance, if your income is low.",
            "ar": "بدل الرعاية الصحية: مبلغ شهري من الحكومة يساعدك على دفع التأمين الصحي إذا "
            "كان دخلك منخفضًا.",
            "ti": "ሓገዝ ክንክን ጥዕና: ኣታዊኻ ትሑት እንተኾይኑ፣ ውሕስና ጥዕና ንምኽፋል ካብ መንግስቲ "
            "ወርሓዊ ዝወሃብ ገንዘብ።",
            "fa_AF": "کمک هزینه صحی: پول ماهانه از دولت برای پرداخت بیمه صحی، اگر عاید شما کم "
            "باشد.",
            "so": "Gunnada caafimaadka: lacag bille ah oo dowladdu ku siiso si aad u bixiso "
            "caymiska caafimaadka, haddii dakhligaagu yar yahay.",
            "uk": "Допомога на медичне страхування: щомісячні гроші від держави на оплату "
            "страховки, якщо ваш дохід низький.",
            "tr": "Sağlık sigortası yardımı: geliriniz düşükse sağlık sigortasını ödemenize "
            "yardım eden aylık devlet parası.",
        },
    ),
    Term(
        "huurtoeslag",
        {
            "nl": "Maandelijks geld van de overheid om de huur te betalen, als je inkomen laag "
            "is.",
            "en": "Rent allowance: monthly money from the government to help pay the rent, if "
            "your income is low.",
            "ar": "بدل الإيجار: مبلغ شهري من الحكومة يساعدك على دفع الإيجار إذا كان دخلك "
            "منخفضًا.",
            "ti": "ሓገዝ ክራይ ገዛ: ኣታዊኻ ትሑት እንተኾይኑ፣ ክራይ ገዛ ንምኽፋል ካብ መንግስቲ ወርሓዊ "
            "ዝወሃብ ገንዘብ።",
            "fa_AF": "کمک هزینه کرایه: پول ماهانه از دولت برای پرداخت کرایه خانه، اگر عاید شما "
            "کم باشد.",
            "so": "Gunnada kirada: lacag bille ah oo dowladdu ku siiso si aad u bixiso kirada, "
            "haddii dakhligaagu yar yahay.",
            "uk": "Допомога на оренду: щомісячні гроші від держави на оплату оренди житла, "
            "якщо ваш дохід низький.",
            "tr": "Kira yardımı: geliriniz düşükse kiranızı ödemenize yardım eden aylık devlet "
            "parası.",
        },
    ),
    Term(
        "kinderbijslag",
        {
            "nl": "Geld van de SVB, elke drie maanden, voor de kosten van kinderen onder de 18.",
            "en": "Child benefit: money from the SVB every three months towards the costs of "
            "children under 18.",
            "ar": "إعانة الأطفال: مبلغ تدفعه SVB كل ثلاثة أشهر للمساعدة في تكاليف الأطفال دون "
            "18 سنة.",
            "ti": "ሓገዝ ቆልዑ: ንወጻኢታት ቆልዑ ትሕቲ 18 ዓመት ካብ SVB ኣብ ሰለስተ ወርሒ ሓንሳብ "
            "ዝወሃብ ገንዘብ።",
            "fa_AF": "کمک هزینه اطفال: پولی که SVB هر سه ماه یک بار برای مصارف اطفال زیر 18 "
            "سال می‌پردازد.",
            "so": "Gunnada carruurta: lacag SVB ay bixiso saddexdii biloodba mar, si ay kaaga "
            "caawiso kharashka carruurta ka yar 18 sano.",
            "uk": "Допомога на дітей: гроші від SVB раз на три місяці на витрати на дітей до "
            "18 років.",
            "tr": "Çocuk parası: 18 yaşından küçük çocukların masrafları için SVB'nin üç ayda "
            "bir ödediği para.",
        },
    ),
    Term(
        "zorgverzekering",
        {
            "nl": "Ziektekostenverzekering. Een basisverzekering is verplicht voor iedereen die "
            "in Nederland woont.",
            "en": "Health insurance. Basic health insurance is compulsory for everyone who lives "
            "in the Netherlands.",
            "ar": "التأمين الصحي. التأمين الأساسي إلزامي لكل من يعيش في هولندا.",
            "ti": "ውሕስና ጥዕና። መሰረታዊ ውሕስና ጥዕና ንኹሉ ኣብ ሆላንድ ዝነብር ሰብ ግዴታ እዩ።",
            "fa_AF": "بیمه صحی. بیمه صحی پایه برای هر کسی که در هالند زندگی می‌کند اجباری است.",
            "so": "Caymiska caafimaadka. Caymiska aasaasiga ah waa waajib qof kasta oo ku nool "
            "Nederland.",
            "uk": "Медичне страхування. Базове страхування обов'язкове для всіх, хто живе в "
            "Нідерландах.",
            "tr": "Sağlık sigortası. Temel sigorta, Hollanda'da yaşayan herkes için zorunludur.",
        },
        forms=("zorgverzekeringen",),
    ),
    Term(
        "DUO",
        {
            "nl": "Dienst Uitvoering Onderwijs. Regelt bij de inburgering de examens en de "
            "lening voor taallessen.",
            "en": "The government office for education. For civic integration it runs the exams "
            "and the loan for language lessons.",
            "ar": "المكتب الحكومي للتعليم. في برنامج الاندماج يتولى الامتحانات وقرض دروس اللغة.",
            "ti": "ቤት ጽሕፈት መንግስቲ ንትምህርቲ። ኣብ መደብ ምውህሃድ ፈተናታትን ልቓሕ ትምህርቲ "
            "ቋንቋን የመሓድር።",
            "fa_AF": "اداره دولتی تعلیم و تربیه. در برنامه ادغام، امتحانات و قرضه درس‌های زبان "
            "را پیش می‌برد.",
            "so": "Xafiiska dowladda ee waxbarashada. Is-dhexgalka wuxuu u maamulaa "
            "imtixaannada iyo amaahda casharrada luqadda.",
            "uk": "Державна служба освіти. Для інтеграції проводить іспити та видає позику на "
            "мовні курси.",
            "tr": "Devletin eğitim kurumu. Uyum programında sınavları ve dil kursu kredisini "
            "yürütür.",
        },
        case_sensitive=True,
    ),
    Term(
        "SVB",
        {
            "nl": "Sociale Verzekeringsbank: betaalt onder meer de kinderbijslag en de AOW "
            "(het staatspensioen).",
            "en": "Sociale Verzekeringsbank: the government office that pays child benefit and "
            "the state pension (AOW).",
            "ar": "Sociale Verzekeringsbank: المكتب الحكومي الذي يدفع إعانة الأطفال والمعاش "
            "الحكومي (AOW).",
            "ti": "Sociale Verzekeringsbank: ሓገዝ ቆልዑን ጡረታ መንግስቲ (AOW) ዝኸፍል ቤት ጽሕፈት "
            "መንግስቲ።",
            "fa_AF": "Sociale Verzekeringsbank: اداره دولتی که کمک هزینه اطفال و تقاعد دولتی "
            "(AOW) را می‌پردازد.",
            "so": "Sociale Verzekeringsbank: xafiiska dowladda ee bixiya gunnada carruurta iyo "
            "hawlgabka dowladda (AOW).",
            "uk": "Sociale Verzekeringsbank: державна служба, що виплачує допомогу на дітей і "
            "державну пенсію (AOW).",
            "tr": "Sociale Verzekeringsbank: çocuk parasını ve devlet emekli maaşını (AOW) "
            "ödeyen devlet kurumu.",
        },
        case_sensitive=True,
    ),
    Term(
        "IND",
        {
            "nl": "Immigratie- en Naturalisatiedienst: beslist over verblijfsvergunningen en "
            "naturalisatie.",
            "en": "Immigration and Naturalisation Service: decides on residence permits and "
            "citizenship.",
            "ar": "دائرة الهجرة والتجنيس: تقرر في تصاريح الإقامة والحصول على الجنسية.",
            "ti": "ኣገልግሎት ኢሚግሬሽንን ዜግነትን: ብዛዕባ ፍቓድ መንበሪን ዜግነትን ዝውስን።",
            "fa_AF": "اداره مهاجرت و تابعیت: در مورد اجازه اقامت و تابعیت تصمیم می‌گیرد.",
            "so": "Adeegga Socdaalka iyo Dhalasho-siinta: wuxuu go'aamiyaa sharciyada "
            "degenaanshaha iyo dhalashada.",
            "uk": "Служба імміграції та натуралізації: вирішує питання дозволів на проживання "
            "та громадянства.",
            "tr": "Göç ve Vatandaşlık Dairesi: oturma izinleri ve vatandaşlık hakkında karar "
            "verir.",
        },
        case_sensitive=True,
    ),
    Term(
        "VluchtelingenWerk",
        {
            "nl": "VluchtelingenWerk Nederland: een onafhankelijke organisatie die vluchtelingen "
            "gratis helpt, met vrijwilligers.",
            "en": "VluchtelingenWerk Nederland: an independent organisation whose volunteers "
            "help refugees free of charge.",
            "ar": "VluchtelingenWerk Nederland: منظمة مستقلة تساعد اللاجئين مجانًا عن طريق "
            "متطوعين.",
            "ti": "VluchtelingenWerk Nederland: ብወለንተኛታት ንስደተኛታት ብነጻ ዝሕግዝ ናጻ ውድብ።",
            "fa_AF": "VluchtelingenWerk Nederland: یک سازمان مستقل که با داوطلبان به پناهندگان "
            "رایگان کمک می‌کند.",
            "so": "VluchtelingenWerk Nederland: urur madax-bannaan oo mutadawiciintiisu ay "
            "qaxootiga bilaash u caawiyaan.",
            "uk": "VluchtelingenWerk Nederland: незалежна організація, волонтери якої "
            "безкоштовно допомагають біженцям.",
            "tr": "VluchtelingenWerk Nederland: gönüllüleriyle mültecilere ücretsiz yardım eden "
            "bağımsız bir kuruluş.",
        },
    ),
    Term(
        "huisartsenpost",
        {
            "nl": "De huisarts voor dringende klachten 's avonds, 's nachts en in het weekend. "
            "Bel eerst. Bij levensgevaar: bel 112.",
            "en": "Out-of-hours GP for urgent problems in the evening, at night and at the "
            "weekend. Call first. If a life is in danger, call 112.",
            "ar": "طبيب العائلة خارج أوقات الدوام: للمشاكل العاجلة مساءً وليلًا وفي عطلة نهاية "
            "الأسبوع. اتصل أولًا. إذا كانت الحياة في خطر اتصل بـ 112.",
            "ti": "ሓኪም ስድራ ድሕሪ ሰዓታት ስራሕ: ንህጹጽ ጸገማት ምሸት፣ ለይትን ቀዳመ ሰንበትን። "
            "ቅድም ደውል። ህይወት ኣብ ሓደጋ እንተሃልያ 112 ደውል።",
            "fa_AF": "داکتر فامیلی بیرون از ساعات کاری: برای مشکلات عاجل در شام، شب و آخر "
            "هفته. اول زنگ بزنید. اگر جان کسی در خطر است، به 112 زنگ بزنید.",
            "so": "Dhakhtarka qoyska saacadaha shaqada ka baxsan: dhibaatooyinka degdegga ah "
            "fiidka, habeenka iyo dhammaadka usbuuca. Marka hore wac. Haddii naf khatar ku "
            "jirto, wac 112.",
            "uk": "Чергова служба сімейних лікарів: для термінових проблем увечері, вночі та у "
            "вихідні. Спочатку зателефонуйте. Якщо є загроза життю, дзвоніть 112.",
            "tr": "Mesai dışı aile hekimi: akşam, gece ve hafta sonu acil sorunlar için. Önce "
            "arayın. Hayati tehlike varsa 112'yi arayın.",
        },
        forms=("huisartsenposten",),
    ),
    Term(
        "OV-chipkaart",
        {
            "nl": "De kaart voor het openbaar vervoer (trein, bus, tram, metro). Je checkt "
            "ermee in en uit.",
            "en": "The card for public transport (train, bus, tram, metro). You check in and "
            "check out with it.",
            "ar": "بطاقة المواصلات العامة (القطار، الحافلة، الترام، المترو). تسجّل بها الدخول "
            "عند الركوب والخروج عند النزول.",
            "ti": "ካርድ ህዝባዊ መጓዓዝያ (ባቡር፣ ኣውቶቡስ፣ ትራም፣ መትሮ)። ክትድይብን ክትወርድን "
            "ብእኡ check-in ከምኡውን check-out ትገብር።",
            "fa_AF": "کارت ترانسپورت عامه (ریل، بس، ترام، مترو). هنگام سوار و پیاده شدن با آن "
            "check-in و check-out می‌کنید.",
            "so": "Kaarka gaadiidka dadweynaha (tareen, bas, taraam, metro). Markaad fuulayso "
            "iyo markaad degayso ayaad ku sameysaa check-in iyo check-out.",
            "uk": "Картка для громадського транспорту (поїзд, автобус, трамвай, метро). Нею "
            "відмічаються на вході та виході (check-in і check-out).",
            "tr": "Toplu taşıma kartı (tren, otobüs, tramvay, metro). Binerken ve inerken "
            "kartla giriş ve çıkış yaparsınız (check-in, check-out).",
        },
        forms=("OV-chipkaarten", "ov-chipkaart"),
    ),
    Term(
        "Participatiewet",
        {
            "nl": "De wet voor de bijstand: geld van de gemeente om van te leven als je geen of "
            "te weinig inkomen hebt.",
            "en": "The law on social assistance (bijstand): money from the municipality to live "
            "on if you have no income or too little.",
            "ar": "قانون المساعدة الاجتماعية (bijstand): مال من البلدية للعيش إذا لم يكن لديك "
            "دخل أو كان دخلك قليلًا جدًا.",
            "ti": "ሕጊ ማሕበራዊ ሓገዝ (bijstand): ኣታዊ እንተዘይብልካ ወይ ውሑድ እንተኾይኑ፣ "
            "ንመነባብሮ ካብ ምምሕዳር ከተማ ዝወሃብ ገንዘብ።",
            "fa_AF": "قانون کمک اجتماعی (bijstand): پول از شاروالی برای گذران زندگی، اگر عاید "
            "ندارید یا عاید شما بسیار کم است.",
            "so": "Sharciga gargaarka bulshada (bijstand): lacag degmadu ku siiso si aad ugu "
            "noolaato haddii aadan haysan dakhli ama uu aad u yar yahay.",
            "uk": "Закон про соціальну допомогу (bijstand): гроші від муніципалітету на життя, "
            "якщо у вас немає доходу або він замалий.",
            "tr": "Sosyal yardım yasası (bijstand): hiç geliriniz yoksa veya çok azsa "
            "belediyenin geçiminiz için verdiği para.",
        },
    ),
)

_TOKEN = "XZQ"
# Translators sometimes split a token ("XZQ 1") or write its digits in another script ("XZQ١").
_TOKEN_RE = re.compile(r"X\s?Z\s?Q\s?(\d{1,3})", re.IGNORECASE)


@cache
def _pattern() -> tuple[re.Pattern[str], dict[str, Term]]:
    """One regex for all terms (longest first) and a lookup from matched text to term."""
    parts: list[tuple[str, bool]] = []
    lookup: dict[str, Term] = {}
    for t in GLOSSARY:
        for form in (t.term, *t.forms):
            parts.append((form, t.case_sensitive))
            lookup[form if t.case_sensitive else form.casefold()] = t
    parts.sort(key=lambda p: -len(p[0]))
    alternatives = "|".join(
        re.escape(form) if sensitive else f"(?i:{re.escape(form)})" for form, sensitive in parts
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), lookup


def _term_for(matched: str, lookup: dict[str, Term]) -> Term:
    return lookup.get(matched) or lookup[matched.casefold()]


def find_terms(text: str) -> list[Term]:
    """The glossary terms in `text`, each once, in order of first appearance."""
    pattern, lookup = _pattern()
    found: dict[str, Term] = {}
    for m in pattern.finditer(text):
        term = _term_for(m.group(0), lookup)
        found.setdefault(term.term, term)
    return list(found.values())


def protect(text: str) -> tuple[str, list[str]]:
    """Replace each glossary term by a token; returns the text and the words to put back."""
    if _TOKEN_RE.search(text):
        return text, []  # the text already looks like it has tokens: leave it alone
    pattern, _ = _pattern()
    kept: list[str] = []

    def swap(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return f"{_TOKEN}{len(kept)}"

    return pattern.sub(swap, text), kept


def restore(text: str, kept: list[str]) -> str:
    """Put the protected words back (tokens the translator invented stay as they are)."""
    if not kept:
        return text

    def back(m: re.Match[str]) -> str:
        index = int(m.group(1))
        return kept[index - 1] if 1 <= index <= len(kept) else m.group(0)

    return _TOKEN_RE.sub(back, text)


def explain(term: Term, lang: str) -> str:
    """The explanation of a term in `lang` (English when that language is missing)."""
    return term.explain.get(lang) or term.explain[FALLBACK]


def glossary_notes(text: str, target_lang: str) -> list[str]:
    """"term: explanation" lines in `target_lang` for the glossary terms found in `text`."""
    return [f"{t.term}: {explain(t, target_lang)}" for t in find_terms(text)]
