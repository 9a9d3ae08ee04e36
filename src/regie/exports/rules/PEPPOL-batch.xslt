<?xml version="1.0" encoding="UTF-8"?>
<!--
  Regie's own wrapper (not an official file): runs the official Peppol BIS Billing 3.0 rules,
  imported unchanged, over several UBL documents in one call (regie/exports/validation.py,
  validate_many).

  Unlike the EN 16931 rules, the Peppol rules read global parameters and variables from the
  document (the profile, the supplier's, customer's and tax representative's countries and VAT
  identifiers, the currency, the issue date), evaluated once per call against the global context
  item. So a call checks only documents for which these read the same values:
  - the template "settings" returns, for each document, everything those globals read (the root
    element's name and the elements they look into, serialized), as a JSON array of strings;
  - the caller groups the documents whose settings are equal, and calls "batch" once per group
    with the group's first document as the global context item: the globals then hold what they
    would hold for each document of the group checked alone.
  Each document is processed by the rules' own root template on its own document node; only the
  documents with a finding come back, with their position in the group and their findings as the
  rules wrote them. A test lists the official file's globals, so a release adding one that reads
  something else is noticed (tests/exports/test_ublfiles.py).
-->
<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    exclude-result-prefixes="#all">
  <xsl:import href="PEPPOL-EN16931-UBL.xslt"/>
  <xsl:param name="documents" as="array(document-node())" required="yes"/>
  <xsl:template name="settings">
    <xsl:sequence select="serialize(array { $documents?* ! (
        namespace-uri(*) || ' ' || local-name(*) || ' ' || serialize(*/(
          cbc:ProfileID | cbc:DocumentCurrencyCode | cbc:IssueDate
          | cac:AccountingSupplierParty/cac:Party/(cac:PartyTaxScheme | cac:PostalAddress/cac:Country)
          | cac:AccountingCustomerParty/cac:Party/(cac:PartyTaxScheme | cac:PostalAddress/cac:Country)
          | cac:TaxRepresentativeParty/(cac:PartyTaxScheme | cac:PostalAddress/cac:Country)))) },
      map { 'method': 'json' })"/>
  </xsl:template>
  <xsl:template name="batch">
    <batch>
      <xsl:for-each select="$documents?*">
        <xsl:variable name="report"><xsl:apply-templates select="."/></xsl:variable>
        <xsl:variable name="found" select="$report//(svrl:failed-assert | svrl:successful-report)"/>
        <xsl:if test="exists($found)">
          <document index="{position() - 1}"><xsl:copy-of select="$found"/></document>
        </xsl:if>
      </xsl:for-each>
    </batch>
  </xsl:template>
</xsl:stylesheet>
