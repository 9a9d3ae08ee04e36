from django.contrib import admin

from regie.core.admin_site import OrgAdmin, site
from regie.people import services
from regie.people.models import SchoolClass, SchoolSite, TariffCategory


class SchoolClassInline(admin.TabularInline):
    model = SchoolClass
    exclude = ("organisation",)
    extra = 1


@admin.register(SchoolSite, site=site)
class SchoolSiteAdmin(OrgAdmin):
    list_display = ("name", "street", "postcode", "city")
    search_fields = ("name", "city")
    inlines = [SchoolClassInline]
    service, service_keyword = services.site_save, "site"


@admin.register(SchoolClass, site=site)
class SchoolClassAdmin(OrgAdmin):
    list_display = ("name", "site", "level")
    list_filter = ("site", "level")
    search_fields = ("name",)
    service, service_keyword = services.class_save, "school_class"


@admin.register(TariffCategory, site=site)
class TariffCategoryAdmin(OrgAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    service, service_keyword = services.tariff_category_save, "category"
