"""English names for the shipped catalog rows already in the database (decision 021).

Rows are matched by their Persian text, so a line, question, choice, document or tariff rule
the insurer wrote in the same words gets the same English name; anything else keeps an empty
English name and shows its Persian one on English pages until it is given one.
"""

from django.db import migrations

ENGLISH = {
    "آجری": "Brick",
    "آسیا": "Asia",
    "آژانس و تاکسی اینترنتی": "Car service or ride-hailing",
    "ارزش اثاثیه (ریال)": "Contents value (rials)",
    "ارزش خودرو (ریال)": "Vehicle value (rials)",
    "ارزش روز خودرو": "The car's market value today",
    "اروپا (شینگن)": "Europe (Schengen)",
    "اضافه نرخ عمر خودرو": "Vehicle age surcharge",
    "اگر بیمه‌نامه قبلی هنوز اعتبار دارد صفر بزنید": "Enter zero if your previous policy is still valid",
    "بتنی": "Concrete",
    "بدون پوشش مازاد": "No extra cover",
    "بیمه آتش‌سوزی منازل": "Home fire insurance",
    "بیمه آسیا": "Asia Insurance",
    "بیمه اجباری خودرو برای خسارت‌های جانی و مالی به دیگران": "Compulsory car insurance for injury and damage you cause to others",
    "بیمه البرز": "Alborz Insurance",
    "بیمه ایران": "Iran Insurance",
    "بیمه بدنه خودرو": "Motor hull insurance",
    "بیمه دانا": "Dana Insurance",
    "بیمه شخص ثالث": "Third-party motor insurance",
    "بیمه مسافرتی": "Travel insurance",
    "بیمه‌نامه بدنه قبلی": "Previous hull policy",
    "بیمه‌نامه قبلی": "Previous policy",
    "بیمه‌نامه قبلی ندارم": "I have no previous policy",
    "بیمه‌گر قبلی": "Previous insurer",
    "تا ۱۵ روز": "Up to 15 days",
    "تا ۳ ماه": "Up to 3 months",
    "تا ۳۱ روز": "Up to 31 days",
    "تا ۶ ماه": "Up to 6 months",
    "تا ۷ روز": "Up to 7 days",
    "تاکسی": "Taxi",
    "تخفیف عدم خسارت": "No-claim discount",
    "تعداد سال‌های بدون خسارت در بیمه‌نامه قبلی": "Years without a claim on your previous policy",
    "جبران خسارت خودروی شما در حادثه، سرقت، شکست شیشه و بلایای طبیعی": "Covers your own car in accidents, theft, broken glass and natural disasters",
    "جریمه دیرکرد": "Late renewal penalty",
    "حق بیمه اثاثیه": "Contents premium",
    "حق بیمه ساختمان": "Building premium",
    "حق بیمه پایه": "Base premium",
    "روزهای گذشته از پایان بیمه‌نامه قبلی": "Days since the previous policy ended",
    "سال ساخت": "Year of manufacture",
    "سال ساخت خودرو به تقویم شمسی": "Jalali (Iranian) calendar year, e.g. 1398",
    "سال ساخت خودرو به تقویم شمسی، مثلاً ۱۳۹۸": "Jalali (Iranian) calendar year, e.g. 1398",
    "سال‌های عدم خسارت": "No-claim years",
    "سایر": "Other",
    "سن مسافر": "Traveller's age",
    "سند یا اجاره‌نامه ملک": "Property deed or lease",
    "سواری بیش از ۴ سیلندر": "Car over 4 cylinders",
    "سواری کمتر از ۴ سیلندر": "Car under 4 cylinders",
    "سواری ۴ سیلندر": "4-cylinder car",
    "سیل، زلزله و طوفان": "Flood, earthquake and storm",
    "شخصی": "Personal",
    "شماره شاسی": "Chassis number (VIN)",
    "شماره موتور": "Engine number",
    "شماره پلاک": "Plate number",
    "شماره گذرنامه": "Passport number",
    "صفحه اول گذرنامه": "Passport's first page",
    "ضریب سنی": "Age factor",
    "ضریب عمر خودرو": "Vehicle age factor",
    "عوارض و سهم صندوق تأمین خسارت‌ها": "Duties and the guarantee fund's share",
    "فلزی": "Steel frame",
    "مالیات بر ارزش افزوده": "Value added tax",
    "متراژ (متر مربع)": "Floor area (square metres)",
    "مثلاً P12345678": "e.g. P12345678",
    "مثلاً ۱۲ب۳۴۵-۶۷": "As on the plate, with its Persian letter, e.g. 12ب345-67",
    "مدت سفر": "Length of the trip",
    "مقصد": "Destination",
    "موتورسیکلت": "Motorcycle",
    "نشانی ملک": "Property's address",
    "نوع خودرو": "Vehicle type",
    "نوع سازه": "Building structure",
    "نوع کاربری": "Use",
    "هزینه ساخت هر متر مربع (ریال)": "Building cost per square metre (rials)",
    "هزینه‌های درمان و حوادث در سفر خارج از کشور": "Medical costs and accidents on trips abroad",
    "همه کشورها": "Worldwide",
    "وانت": "Pickup",
    "پوشش بلایای طبیعی": "Natural disasters cover",
    "پوشش زلزله": "Earthquake cover",
    "پوشش ساختمان و اثاثیه در برابر آتش، زلزله، سیل و سرقت": "Covers the building and its contents against fire, earthquake, flood and burglary",
    "پوشش سرقت اثاثیه": "Contents burglary cover",
    "پوشش سرقت کلی": "Total theft cover",
    "پوشش سیل": "Flood cover",
    "پوشش شکست شیشه": "Broken glass cover",
    "پوشش مازاد مالی": "Extra property-damage cover",
    "کارت خودرو": "Vehicle card",
    "کد پستی ملک": "Property's postal code",
    "کشور مقصد": "Destination country",
    "کشورهای همسایه": "Neighbouring countries",
    "یک سال": "One year",
    "یک میلیارد تومان": "One billion toman",
    "۱۰ رقم بدون خط تیره": "10 digits, no dash",
    "۲۰۰ میلیون تومان": "200 million toman",
    "۴۰۰ میلیون تومان": "400 million toman",
}


def english_names(apps, schema_editor):
    Line = apps.get_model("policies", "Line")
    Question = apps.get_model("policies", "Question")
    DocumentRequirement = apps.get_model("policies", "DocumentRequirement")
    TariffRule = apps.get_model("policies", "TariffRule")
    for line in Line.objects.all():
        line.name_en = line.name_en or ENGLISH.get(line.name, "")
        line.summary_en = line.summary_en or ENGLISH.get(line.summary, "")
        line.save(update_fields=["name_en", "summary_en"])
    for question in Question.objects.all():
        question.label_en = question.label_en or ENGLISH.get(question.label, "")
        question.help_text_en = question.help_text_en or ENGLISH.get(question.help_text, "")
        question.choices = [
            {**choice, "label_en": choice.get("label_en") or ENGLISH.get(choice["label"], "")}
            for choice in question.choices
        ]
        question.save(update_fields=["label_en", "help_text_en", "choices"])
    for model in (DocumentRequirement, TariffRule):
        for row in model.objects.filter(label_en=""):
            row.label_en = ENGLISH.get(row.label, "")
            if row.label_en:
                row.save(update_fields=["label_en"])


class Migration(migrations.Migration):
    dependencies = [("policies", "0006_catalog_in_english")]

    operations = [migrations.RunPython(english_names, migrations.RunPython.noop)]
