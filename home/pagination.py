from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator


def paginate(request, items, per_page, count=None):
    """
    The page of `items` asked for by ?page=, forgiving bad input: a page
    number that is not a number shows the first page, one past the end the
    last, so that an old or hand-edited link never gives an error. `count`,
    if given, is how many items there are, from a query cheaper than
    items.count().
    """
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count
    try:
        return paginator.page(request.GET.get("page", 1))
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def with_page_number(description, page):
    """The description, with "(page 2 of 5)" after the first page: each page of a listing has its own title."""
    if page.number > 1:
        return f"{description} (page {page.number} of {page.paginator.num_pages})"
    return description
